package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrinoJavaTest {

  @TempDir
  Path dir;

  @Test
  void aNewEnoughJavaHomeWinsOverTheJdksInstalledUnderJvmDir() throws Exception {
    Path jvm = Files.createDirectories(dir.resolve("jvm"));
    Path seventeen = jdk(jvm.resolve("java-17"), "17.0.15");
    Path twentyFour = jdk(dir.resolve("elsewhere/jdk-24"), "24.0.2");
    jdk(jvm.resolve("temurin-25"), "25.0.3");

    assertThat(TrinoJava.find(null, Map.of("JAVA_HOME", twentyFour.toString()), seventeen, jvm))
        .isEqualTo(twentyFour);
  }

  @Test
  void anOldJavaHomeAndRunningJdkFallBackToTheNewestInstalledJdk() throws Exception {
    Path jvm = Files.createDirectories(dir.resolve("jvm"));
    Path seventeen = jdk(jvm.resolve("java-17"), "17.0.15");
    jdk(jvm.resolve("jdk-24"), "24.0.2");
    Path twentyFive = jdk(jvm.resolve("temurin-25"), "25.0.3");

    assertThat(TrinoJava.find(null, Map.of("JAVA_HOME", seventeen.toString()), seventeen, jvm))
        .isEqualTo(twentyFive);
  }

  @Test
  void thePropertyThenTheEnvironmentVariableAreTakenAsTheyAre() throws Exception {
    Path jvm = Files.createDirectories(dir.resolve("jvm"));
    Path installed = jdk(jvm.resolve("temurin-25"), "25.0.3");
    Path byProperty = jdk(dir.resolve("by-property"), "26");
    Path byEnv = jdk(dir.resolve("by-env"), "24");

    assertThat(TrinoJava.find(byProperty.toString(), Map.of(TrinoJava.ENV, byEnv.toString()), installed, jvm))
        .isEqualTo(byProperty);
    assertThat(TrinoJava.find(null, Map.of(TrinoJava.ENV, byEnv.toString()), installed, jvm)).isEqualTo(byEnv);
  }

  @Test
  void aNamedJdkThatIsTooOldIsRefusedRatherThanSkipped() throws Exception {
    Path seventeen = jdk(dir.resolve("java-17"), "17.0.15");

    assertThatThrownBy(() -> TrinoJava.find(seventeen.toString(), Map.of(), seventeen, dir.resolve("none")))
        .isInstanceOf(LocalStackException.class)
        .hasMessage("-Dmillrace.localstack.trino-java-home points at " + seventeen
            + ", a Java 17; Trino needs 24 or newer");
  }

  @Test
  void withoutAnyJdk24TheMessageSaysWhatWasSeenAndWhatToSet() throws Exception {
    Path seventeen = jdk(dir.resolve("java-17"), "17.0.15");

    assertThatThrownBy(() -> TrinoJava.find(null, Map.of(), seventeen, dir.resolve("none")))
        .isInstanceOf(LocalStackException.class)
        .hasMessage("Trino needs a JDK 24 or newer and none was found; looked at " + seventeen
            + " (Java 17). Install one (e.g. Temurin 25 under /usr/lib/jvm) or point"
            + " -Dmillrace.localstack.trino-java-home or MILLRACE_TRINO_JAVA_HOME at it.");
  }

  @Test
  void versionsAreReadFromTheReleaseFileOldAndNewStyle() throws Exception {
    assertThat(TrinoJava.version(jdk(dir.resolve("8"), "1.8.0_402"))).hasValue(8);
    assertThat(TrinoJava.version(jdk(dir.resolve("25"), "25"))).hasValue(25);
    assertThat(TrinoJava.version(dir.resolve("missing"))).isEmpty();
  }

  private static Path jdk(Path home, String version) throws Exception {
    Files.createDirectories(home.resolve("bin"));
    Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
    Path java = Files.writeString(home.resolve("bin/java"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }
}
