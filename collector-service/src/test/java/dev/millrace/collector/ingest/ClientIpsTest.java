package dev.millrace.collector.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientIpsTest {

  private final ClientIps ips = new ClientIps(List.of("10.0.0.0/8", "2001:db8::/32", "192.168.1.1"));

  @Test
  void anUntrustedPeerIsTheClientWhateverItForwards() {
    assertThat(ips.resolve("203.0.113.9", "1.1.1.1")).isEqualTo("203.0.113.9");
  }

  @Test
  void throughTrustedProxiesTheFirstUntrustedHopFromTheRightIsTheClient() {
    assertThat(ips.resolve("10.0.0.1", "6.6.6.6, 198.51.100.4, 192.168.1.1")).isEqualTo("198.51.100.4");
    assertThat(ips.resolve("2001:db8::1", "198.51.100.4")).isEqualTo("198.51.100.4");
  }

  @Test
  void whenEveryHopIsTrustedTheLeftmostIsTheClient() {
    assertThat(ips.resolve("10.0.0.1", "10.9.9.9, 192.168.1.1")).isEqualTo("10.9.9.9");
  }

  @Test
  void garbageInTheHeaderStopsAtTheLastVouchedHop() {
    assertThat(ips.resolve("10.0.0.1", "evil.example, unknown")).isEqualTo("10.0.0.1");
    assertThat(ips.resolve("10.0.0.1", null)).isEqualTo("10.0.0.1");
  }
}
