package nci.tools.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import nci.tools.study.StudyResult.ExperimentResult;
import nci.tools.study.StudyResult.Measurement;
import nci.tools.study.StudyResult.PairResult;
import org.junit.jupiter.api.Test;

/**
 * The headline findings of a head sweep over made-up values: the counterfactual moves p from 0.5 to 0 (total -0.5).
 * A head carries the behaviour when it moves p more than half that way; one that moves p more than half as far the
 * other way works against it, and is listed apart, never as carrying it.
 */
class FindingsTest {

    private static StudyResult heads(double clean, double counterfactual, double... patched) {
        Study.Pair pair = new Study.Pair("p", new Study.Input(null, new int[] {1, 2}), new Study.Input(null, new int[] {1, 3}),
                List.of(new Study.Target(" mat", 2603), new Study.Target(" rug", 14477)));
        Study.Metric prob = new Study.Metric.Prob(null);
        Study.Experiment e = new Study.Experiment.Heads(null, new int[] {0});
        Study study = new Study(null, null, List.of(pair), List.of(e), List.of(prob), null, null);
        List<Measurement> runs = new ArrayList<>();
        List<String> cols = new ArrayList<>();
        for (int h = 0; h < patched.length; h++) {
            runs.add(new Measurement("a0.head" + h, "all", 0, h, new double[] {patched[h]}, null, null));
            cols.add(Integer.toString(h));
        }
        ExperimentResult x = new ExperimentResult(0, e, runs, List.of("a0"), cols);
        PairResult p = new PairResult(0, pair, new Measurement("none", "", -1, -1, new double[] {clean}, null, null),
                new Measurement("counterfactual", "", -1, -1, new double[] {counterfactual}, null, null), List.of(x));
        return new StudyResult(study, List.of(new Study.Series(0, prob, 0)), List.of(p), 0, null, "");
    }

    @Test
    void aComponentMovingTheMetricTheOtherWayIsNotSaidToCarryIt() {
        // head 0: -0.4 (80% of the total, its way); head 1: +0.4 (-80%: against it); head 2: -0.1; head 3: +0.2 (-40%)
        StudyResult r = heads(0.5, 0.0, 0.1, 0.9, 0.4, 0.7);
        Findings.Summary s = Findings.all(r).getFirst();
        assertTrue(s.measurable());
        assertEquals(List.of("a0.head0"), s.components());
        assertEquals(List.of("a0.head1"), s.opposing().stream().map(Findings.Finding::component).toList());
        assertEquals(-0.8, s.opposing().getFirst().fraction(), 1e-12);
        assertEquals("e0-heads: p(\" mat\") is carried by a0.head0 (0.5000 -> 0.1000, -0.4000, 80%); the whole counterfactual"
                + " moves it -0.5000; against it: a0.head1 (0.5000 -> 0.9000, +0.4000, -80%)", Findings.sentence(r, s));

        // only an opposing head: nothing carries it, and the sentence says what works against it
        r = heads(0.5, 0.0, 0.9, 0.4);
        s = Findings.all(r).getFirst();
        assertEquals(List.of(), s.components());
        assertEquals("e0-heads: no single component moves p(\" mat\") by more than 50% of the counterfactual's -0.5000"
                + " (largest: a0.head0, +0.4000); against it: a0.head0 (0.5000 -> 0.9000, +0.4000, -80%)", Findings.sentence(r, s));
    }

    @Test
    void aProbabilityTotalUnderAHundredthIsTooLittleToAttribute() {
        Findings.Summary s = Findings.all(heads(0.5, 0.495, 0.495, 0.505)).getFirst();
        assertFalse(s.measurable());
        assertEquals(List.of(), s.components());
        assertEquals(List.of(), s.opposing());
        assertTrue(Findings.all(heads(0.5, 0.48, 0.48)).getFirst().measurable());
    }
}
