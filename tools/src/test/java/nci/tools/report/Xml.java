package nci.tools.report;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.xml.sax.helpers.DefaultHandler;
import org.xml.sax.SAXParseException;

/** Test helper: strict, offline XML parsing (no DTD or entity fetching); parse errors fail with line and column. */
final class Xml {
    private Xml() {}

    static Document parse(String xml, String what) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new DefaultHandler() {
                @Override
                public void error(SAXParseException e) throws SAXParseException { throw e; }
            });
            return b.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        } catch (SAXParseException e) {
            String[] lines = xml.split("\n", -1);
            String line = e.getLineNumber() >= 1 && e.getLineNumber() <= lines.length ? lines[e.getLineNumber() - 1] : "?";
            throw new AssertionError(what + " is not well-formed XML at line " + e.getLineNumber() + ", column "
                    + e.getColumnNumber() + ": " + e.getMessage() + "\n  line: "
                    + line.substring(0, Math.min(200, line.length())), e);
        } catch (Exception e) {
            throw new AssertionError(what + ": cannot parse: " + e, e);
        }
    }
}
