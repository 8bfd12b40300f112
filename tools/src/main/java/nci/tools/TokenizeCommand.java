package nci.tools;

import java.util.Arrays;
import java.util.concurrent.Callable;
import nci.gpt2.tokenizer.Gpt2Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nci tokenize --model DIR TEXT} prints the ids as a JSON array; {@code --decode 15496,995} prints the text. */
@Command(name = "tokenize", description = "Encode text to GPT-2 token ids (JSON array), or decode ids to text.")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "MODEL", description = "A folder with vocab.json and merges.txt, a hub cache folder, or a hub name such as gpt2 (default: the embedded model).")
    String model;

    @Option(names = "--decode", paramLabel = "IDS", description = "Comma-separated token ids to decode.")
    String decode;

    @Option(names = "--plain-eot", description = "Encode <|endoftext|> in the text as plain text instead of the special token 50256.")
    boolean plainEot;

    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "Text to encode.")
    String text;

    @Override
    public Integer call() throws Exception {
        if ((decode == null) == (text == null))
            throw new IllegalArgumentException("give either TEXT to encode or --decode IDS, not " + (decode == null ? "neither" : "both"));
        Gpt2Tokenizer tok = Gpt2Tokenizer.load(Models.resolve(model));
        if (decode != null) {
            System.out.print(tok.decode(Ids.parse(decode, "--decode")));
            System.out.println();
        } else {
            int[] ids = plainEot ? tok.encodePlain(text) : tok.encode(text);
            System.out.println(Arrays.toString(ids).replace(" ", ""));
        }
        return 0;
    }
}
