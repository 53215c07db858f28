package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.localrun.service.ServiceProcess;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The compose file configures the real services: each of the five is started from its shipped jar
 * with exactly the environment {@code docker-compose.yml} gives its container ({@link
 * ComposeStack}). A key a service requires and compose omits, a wrong value or a wrong host makes a
 * service fail to start or the event below not arrive.
 */
class ComposeServicesIT {

  static ComposeStack stack;

  @BeforeAll
  static void start() throws Exception {
    Path home = Path.of(System.getProperty("millrace.deploy.home", "target/compose-run")).toAbsolutePath();
    stack = ComposeStack.start(home, (spec, logs) -> ServiceProcess.start(spec,
        spec.jar(ComposeFile.repo(), System.getProperty("millrace.version")), logs, ComposeStack.QUICK_START));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyServiceStartsAndIsReadyWithTheComposeEnvironment() {
    assertThat(stack.services()).hasSize(ComposeFile.PIPELINE.size()).allSatisfy(p -> assertThat(p.ready()).isTrue());
  }

  @Test
  void anEventSentWithTheComposeWriteKeyBecomesSearchable() throws Exception {
    assertThat(stack.sendOneEventAndSearchIt()).as("the event, enriched, in Elasticsearch").contains("\"count\":1");
  }
}
