package dev.millrace.collector.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WriteKeysTest {

  private final WriteKeys keys = new WriteKeys(Map.of("web", WriteKeys.hash("k-web"), "app", WriteKeys.hash("k-app")));

  @Test
  void aKnownKeyIsIdentifiedByItsId() {
    assertThat(keys.authenticate("k-web")).contains("web");
    assertThat(keys.authenticate("k-app")).contains("app");
  }

  @Test
  void unknownEmptyOrMissingKeysAreRefused() {
    assertThat(keys.authenticate("k-web ")).isEmpty();
    assertThat(keys.authenticate("")).isEmpty();
    assertThat(keys.authenticate(null)).isEmpty();
  }

  @Test
  void theConfiguredValueIsTheHexSha256OfTheKey() {
    assertThat(WriteKeys.hash("abc"))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
