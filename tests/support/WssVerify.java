import java.io.FileInputStream;
import java.security.PublicKey;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.xml.XMLConstants;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.ws.security.WSDocInfo;
import org.apache.ws.security.transform.STRTransform;
import org.apache.ws.security.transform.STRTransformProvider;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Verifies a WS-Security signed SOAP message with Apache WSS4J 1.6 and Apache Santuario (Debian
 * packages libwss4j-java and libxml-security-java): an implementation of XML-DSig and of the
 * STR-Transform that shares nothing with the kiosk's (xml-crypto and integrations/oeir/sts/).
 * Arguments: the signer's certificate (PEM) and the message. Prints each reference's verdict and
 * exits 0 only when the signature and every reference verify. DTDs are refused.
 */
public class WssVerify {
  static final String WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
  static final String WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
  static final String DS = "http://www.w3.org/2000/09/xmldsig#";
  static final String SAML = "urn:oasis:names:tc:SAML:2.0:assertion";

  public static void main(String[] args) throws Exception {
    org.apache.xml.security.Init.init();
    Security.addProvider(new STRTransformProvider());
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    Document doc = f.newDocumentBuilder().parse(new FileInputStream(args[1]));
    markIds(doc.getDocumentElement());
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new FileInputStream(args[0]));
    PublicKey key = cert.getPublicKey();
    Element security = (Element) doc.getElementsByTagNameNS(WSSE, "Security").item(0);
    Element signature = null;
    for (Node n = security.getFirstChild(); n != null; n = n.getNextSibling())
      if (n instanceof Element && DS.equals(n.getNamespaceURI()) && "Signature".equals(n.getLocalName())) signature = (Element) n;
    DOMValidateContext ctx = new DOMValidateContext(key, signature);
    ctx.setProperty("javax.xml.crypto.dsig.cacheReference", Boolean.TRUE);
    ctx.setProperty(STRTransform.TRANSFORM_WS_DOC_INFO, new WSDocInfo(doc));
    XMLSignature sig = XMLSignatureFactory.getInstance("DOM").unmarshalXMLSignature(ctx);
    boolean ok = sig.validate(ctx);
    int good = 0;
    for (Object o : sig.getSignedInfo().getReferences()) {
      Reference r = (Reference) o;
      boolean v = r.validate(ctx);
      if (v) good++;
      String transform = r.getTransforms().isEmpty() ? "" : ((javax.xml.crypto.dsig.Transform) r.getTransforms().get(0)).getAlgorithm();
      System.out.println("reference " + r.getURI() + " " + (v ? "ok" : "FAILED") + " " + transform);
      if (!v && System.getenv("DUMP") != null) System.out.println(new String(r.getDigestInputStream().readAllBytes(), "UTF-8"));
    }
    System.out.println("signature value " + (sig.getSignatureValue().validate(ctx) ? "ok" : "FAILED"));
    System.out.println("references " + good + "/" + sig.getSignedInfo().getReferences().size());
    System.out.println(ok ? "VERIFIED" : "NOT VERIFIED");
    System.exit(ok ? 0 : 1);
  }

  static void markIds(Element e) {
    if (e.hasAttributeNS(WSU, "Id")) e.setIdAttributeNS(WSU, "Id", true);
    if (SAML.equals(e.getNamespaceURI()) && "Assertion".equals(e.getLocalName()) && e.hasAttribute("ID")) e.setIdAttribute("ID", true);
    for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) if (n instanceof Element) markIds((Element) n);
  }
}
