package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void aFreePortCanBeBoundOnLoopback() throws Exception {
    int port = FreePorts.free();
    assertThat(port).isBetween(1024, 65535);
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void aPortInUseIsNotHandedOut() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      for (int i = 0; i < 20; i++) {
        assertThat(FreePorts.free()).isNotEqualTo(taken.getLocalPort());
      }
    }
  }
}
