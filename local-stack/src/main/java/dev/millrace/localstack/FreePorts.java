package dev.millrace.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free TCP ports on the loopback interface. */
final class FreePorts {

  static final String LOOPBACK = "127.0.0.1";

  /**
   * A port nothing listens on right now. The server that gets it binds it a moment later; the
   * window is small and every server keeps its port for its whole life, across restarts.
   */
  static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + LOOPBACK, e);
    }
  }

  private FreePorts() {}
}
