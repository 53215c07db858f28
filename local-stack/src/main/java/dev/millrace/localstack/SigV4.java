package dev.millrace.localstack;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for the few requests local-stack itself sends (create bucket), so the
 * module needs no S3 SDK. Query strings are not supported; paths must already be URI-encoded.
 *
 * @see <a href="https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html">Signature V4</a>
 */
final class SigV4 {

  static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  /**
   * The {@code Authorization} header value for a request whose signed headers are {@code headers}
   * (must include host, x-amz-date and x-amz-content-sha256).
   */
  static String authorization(String method, String path, Map<String, String> headers,
                              String payloadSha256, String accessKey, String secretKey, String region,
                              ZonedDateTime time) {
    String date = amzDate(time).substring(0, 8);
    Map<String, String> sorted = new TreeMap<>();
    headers.forEach((k, v) -> sorted.put(k.toLowerCase(java.util.Locale.ROOT), v.trim()));
    String signedHeaders = String.join(";", sorted.keySet());
    String canonicalHeaders = sorted.entrySet().stream()
        .map(e -> e.getKey() + ":" + e.getValue() + "\n").collect(Collectors.joining());
    String canonicalRequest = method + "\n" + path + "\n\n" + canonicalHeaders + "\n"
        + signedHeaders + "\n" + payloadSha256;
    String scope = date + "/" + region + "/s3/aws4_request";
    String stringToSign = "AWS4-HMAC-SHA256\n" + amzDate(time) + "\n" + scope + "\n"
        + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
    key = hmac(key, region);
    key = hmac(key, "s3");
    key = hmac(key, "aws4_request");
    String signature = hex(hmac(key, stringToSign));
    return "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope
        + ",SignedHeaders=" + signedHeaders + ",Signature=" + signature;
  }

  static String amzDate(ZonedDateTime time) {
    return time.withZoneSameInstant(ZoneOffset.UTC).format(AMZ_DATE);
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private SigV4() {}
}
