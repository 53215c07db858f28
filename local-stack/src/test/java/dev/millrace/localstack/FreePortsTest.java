package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void aFreePortCanBeBoundOnLoopbackAndOnAllInterfaces() throws Exception {
    int port = FreePorts.free();
    try (ServerSocket all = new ServerSocket()) {
      all.bind(new InetSocketAddress(port));
      assertThat(all.getLocalPort()).isEqualTo(port);
    }
    try (ServerSocket loopback = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(loopback.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void portsComeFromBelowTheEphemeralRangeSoNoOutgoingConnectionTakesThem() {
    int ephemeralStart = FreePorts.ephemeralStart();
    for (int i = 0; i < 50; i++) {
      assertThat(FreePorts.free()).isBetween(FreePorts.LOWEST, ephemeralStart - 1);
    }
  }

  @Test
  void noPortIsHandedOutTwice() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      assertThat(seen.add(FreePorts.free())).isTrue();
    }
  }

  @Test
  void aPortSomethingListensOnIsNotFree() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(FreePorts.bindable(taken.getLocalPort())).isFalse();
    }
  }

  @Test
  void theRangeStaysBelowLinuxsDefaultWhateverTheSystemSays() {
    assertThat(FreePorts.highestBelowEphemeral(32_768)).isEqualTo(32_767);
    assertThat(FreePorts.highestBelowEphemeral(49_152)).isEqualTo(32_767);
    assertThat(FreePorts.highestBelowEphemeral(20_000)).isEqualTo(19_999);
  }
}
