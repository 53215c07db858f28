package dev.millrace.enrichment.ip;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAnonymizerTest {

  private final IpAnonymizer defaults = new IpAnonymizer(3, 48);

  @ParameterizedTest(name = "{0}")
  @CsvSource(textBlock = """
      203.0.113.77, 203.0.113.0
      10.1.2.3, 10.1.2.0
      255.255.255.255, 255.255.255.0
      0.0.0.0, 0.0.0.0
      ' 198.51.100.9 ', 198.51.100.0
      2001:db8:85a3:8d3:1319:8a2e:370:7348, 2001:db8:85a3::
      2001:0DB8:0000:0000:0000:0000:0000:0001, 2001:db8::
      ::1, ::
      fe80::1ff:fe23:4567:890a%eth0, fe80::
      [2001:db8:1:2::5], 2001:db8:1::
      ::ffff:203.0.113.77, 203.0.113.0
      """)
  void zeroesTheHostPart(String ip, String expected) {
    assertThat(defaults.anonymize(ip)).contains(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(textBlock = """
      0, 0, 203.0.113.77, 0.0.0.0
      1, 0, 203.0.113.77, 203.0.0.0
      4, 0, 203.0.113.77, 203.0.113.77
      0, 32, 2001:db8:85a3:8d3:1319:8a2e:370:7348, 2001:db8::
      0, 52, 2001:db8:85a3:8d3:1319:8a2e:370:7348, 2001:db8:85a3::
      0, 64, 2001:db8:85a3:8d3:1319:8a2e:370:7348, 2001:db8:85a3:8d3::
      0, 128, 2001:db8:85a3:8d3:1319:8a2e:370:7348, 2001:db8:85a3:8d3:1319:8a2e:370:7348
      """)
  void keepsTheConfiguredOctetsAndBits(int octets, int bits, String ip, String expected) {
    assertThat(new IpAnonymizer(octets, bits).anonymize(ip)).contains(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "256.1.1.1", "1.2.3", "1.2.3.4.5",
      "203.0.113.7:443", "2001:db8::g", "1.2.3.4, 5.6.7.8", "::ffff:999.1.1.1", "unknown"})
  void aValueThatIsNotAnIpLiteralGivesNothing(String ip) {
    assertThat(defaults.anonymize(ip)).isEmpty();
  }
}
