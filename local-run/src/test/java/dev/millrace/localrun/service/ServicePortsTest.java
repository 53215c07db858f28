package dev.millrace.localrun.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.localrun.LaunchException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class ServicePortsTest {

  @Test
  void theDefaultsAreTheDocumentedPorts() {
    assertThat(ServicePorts.defaults().byUse()).containsExactly(
        java.util.Map.entry("collector HTTP", 8080), java.util.Map.entry("collector gRPC", 9090),
        java.util.Map.entry("enrichment-api gRPC", 9091), java.util.Map.entry("enrichment-api HTTP", 8081),
        java.util.Map.entry("enricher HTTP", 8082), java.util.Map.entry("realtime-loader HTTP", 8083),
        java.util.Map.entry("batch-loader HTTP", 8084));
  }

  @Test
  void aTakenPortIsNamedWithWhatNeedsItAndHowToGoOn() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(0));
      int port = taken.getLocalPort();
      ServicePorts ports = new ServicePorts(port, ServicePorts.free(), ServicePorts.free(), ServicePorts.free(), ServicePorts.free(), ServicePorts.free(), ServicePorts.free());
      assertThatThrownBy(ports::checkAvailable)
          .isInstanceOf(LaunchException.class)
          .hasMessageContaining("port " + port + " (collector HTTP)")
          .hasMessageContaining("--ports free");
    }
  }

  @Test
  void supersetTakesItsDocumentedPortOrRefusesWhenItIsTaken() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      if (ServicePorts.available(8088)) {
        taken.bind(new InetSocketAddress(8088)); // else something on this machine already holds it
      }
      assertThatThrownBy(() -> ServicePorts.superset(ServicePorts.Choice.DEFAULT))
          .isInstanceOf(LaunchException.class)
          .hasMessageContaining("port 8088 (Superset)")
          .hasMessageContaining("--ports free");
    }
    int free = ServicePorts.superset(ServicePorts.Choice.FREE);
    assertThat(free).isNotEqualTo(8088);
    assertThat(ServicePorts.available(free)).isTrue();
  }

  @Test
  void freePortsAreDistinctAndAvailable() {
    ServicePorts ports = ServicePorts.choose(ServicePorts.Choice.FREE);
    assertThat(new HashSet<>(ports.byUse().values())).hasSize(7);
    ports.checkAvailable();
  }
}
