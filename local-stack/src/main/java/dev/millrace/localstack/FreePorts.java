package dev.millrace.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for the servers a run starts, chosen below the kernel's ephemeral range.
 *
 * <p>A port is picked a while before its server binds it (a launcher picks all of them first, and
 * a broker keeps its port across restarts). A port from the ephemeral range, which is what
 * {@code new ServerSocket(0)} returns, can meanwhile become the source port of any outgoing
 * connection on the machine: the server then fails with "Address already in use". The kernel never
 * hands out a port below that range on its own, so there only another explicit bind can take it.
 * Within one JVM no port is handed out twice.
 */
public final class FreePorts {

  public static final String LOOPBACK = "127.0.0.1";

  /** The lowest port picked: above the registered ports most local services use. */
  static final int LOWEST = 10_000;
  private static final int ATTEMPTS = 500;
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /** A port nothing listens on now, outside the ephemeral range, never returned before by this JVM. */
  public static int free() {
    int highest = highestBelowEphemeral(ephemeralStart());
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int attempt = 0; attempt < ATTEMPTS && highest > LOWEST; attempt++) {
      int port = random.nextInt(LOWEST, highest + 1);
      if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
        return port;
      }
    }
    // The ephemeral range covers (nearly) every port: fall back to the kernel's choice.
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException("no free port on " + LOOPBACK, e);
      }
    }
    throw new UncheckedIOException(new IOException("no free port on " + LOOPBACK + " after " + ATTEMPTS + " tries"));
  }

  /** The first port the kernel uses for outgoing connections (Linux's default when unknown). */
  static int ephemeralStart() {
    // Read line by line: a /proc file reports no size, and Files.readString then returns a stub.
    try (BufferedReader range = Files.newBufferedReader(EPHEMERAL_RANGE)) {
      return Integer.parseInt(range.readLine().trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  static int highestBelowEphemeral(int ephemeralStart) {
    // macOS and Windows start at 49152; never go above Linux's default either way.
    return Math.min(ephemeralStart, 32_768) - 1;
  }

  /** Free both on all interfaces (how Spring Boot and gRPC bind) and on loopback. */
  static boolean bindable(int port) {
    return bindable(new InetSocketAddress(port)) && bindable(new InetSocketAddress(LOOPBACK, port));
  }

  private static boolean bindable(InetSocketAddress address) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(address, 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private FreePorts() {}
}
