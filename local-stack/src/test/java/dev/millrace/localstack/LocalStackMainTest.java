package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LocalStackMainTest {

  @Test
  void startsEverythingWhenNothingIsNamed() {
    assertThat(LocalStackMain.parse()).containsExactly("kafka", "elasticsearch", "s3");
  }

  @Test
  void startsOnlyTheNamedServers() {
    assertThat(LocalStackMain.parse("S3", "kafka")).containsExactly("s3", "kafka");
    assertThat(LocalStackMain.parse("trino", "postgres")).containsExactly("trino", "postgres");
  }

  @Test
  void rejectsUnknownServerNamesListingTheKnownOnes() {
    assertThatThrownBy(() -> LocalStackMain.parse("minio"))
        .hasMessage("unknown server minio; expected any of [kafka, elasticsearch, s3, postgres, trino]");
  }

  @Test
  void infraDefaultsToChildProcessesAndContainersMustBeAskedFor() {
    assertThat(LocalStack.ServerLaunch.parse(null)).isEqualTo(LocalStack.ServerLaunch.PROCESSES);
    assertThat(LocalStack.ServerLaunch.parse(" Containers ")).isEqualTo(LocalStack.ServerLaunch.CONTAINERS);
    assertThatThrownBy(() -> LocalStack.ServerLaunch.parse("docker"))
        .hasMessage("millrace.infra must be processes or containers, not docker");
  }
}
