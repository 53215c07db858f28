package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SigV4Test {

  /** The GET Object example of the AWS Signature V4 documentation, with its published signature. */
  @Test
  void signsTheDocumentedAwsExampleExactlyAsAwsDoes() {
    ZonedDateTime time = ZonedDateTime.of(2013, 5, 24, 0, 0, 0, 0, ZoneOffset.UTC);
    String authorization = SigV4.authorization("GET", "/test.txt",
        Map.of("Host", "examplebucket.s3.amazonaws.com", "Range", "bytes=0-9",
            "x-amz-content-sha256", SigV4.EMPTY_SHA256, "x-amz-date", SigV4.amzDate(time)),
        SigV4.EMPTY_SHA256, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "us-east-1", time);

    assertThat(authorization).isEqualTo("AWS4-HMAC-SHA256 "
        + "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }

  @Test
  void amzDateIsUtcWhateverTheCallersZone() {
    ZonedDateTime paris = ZonedDateTime.of(2024, 1, 1, 1, 30, 0, 0, java.time.ZoneId.of("Europe/Paris"));
    assertThat(SigV4.amzDate(paris)).isEqualTo("20240101T003000Z");
  }
}
