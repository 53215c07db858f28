package dev.millrace.enricher.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schemas published while the enricher runs: used from the next refresh, checked before use (a
 * broken one, or an ADDITION that refuses what its predecessor accepted, is rejected and reported),
 * and never changed once in use.
 */
class RuntimeSchemasTest {

  @TempDir
  Path dir;

  private static final String V100 = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}}, "required": ["plan"], "additionalProperties": false,
       "examples": [{"plan": "free"}, {"plan": "pro"}]}""";
  private static final String V101_GOOD = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["free", "pro"]}, "seats": {"type": "integer"}}, "required": ["plan"],
       "additionalProperties": false, "examples": [{"plan": "pro", "seats": 3}]}""";
  private static final String V101_NARROWER = """
      {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
       "properties": {"plan": {"enum": ["pro"]}}, "required": ["plan"]}""";

  private void publish(String type, String version, String text) throws Exception {
    Files.createDirectories(dir.resolve(type));
    Files.writeString(dir.resolve(type).resolve(version + ".json"), text);
  }

  @Test
  void aVersionPublishedAtRuntimeIsUsedFromTheNextRefresh() throws Exception {
    PayloadValidator validator = new PayloadValidator(SchemaStore.at("file:" + dir));
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}")).isInstanceOf(Validation.UnknownSchema.class);

    publish("plan_changed", "1-0-0", V100);
    // "none" is kept until a refresh: one lookup per refresh, not one per event
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}")).isInstanceOf(Validation.UnknownSchema.class);
    validator.refresh();
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}")).isEqualTo(Validation.VALID);
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"gold\"}")).isInstanceOf(Validation.Invalid.class);
    assertThat(validator.status().loaded()).containsExactly("plan_changed/1-0-0");
  }

  @Test
  void aBrokenSchemaIsRejectedAndReportedAndAFixedOneIsUsedAfterTheNextRefresh() throws Exception {
    PayloadValidator validator = new PayloadValidator(SchemaStore.at("file:" + dir));
    publish("plan_changed", "1-0-0", "{\"type\": \"object\", \"properties\": ");
    Validation broken = validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}");
    assertThat(broken).isInstanceOfSatisfying(Validation.UnknownSchema.class,
        u -> assertThat(u.message()).contains("rejected").contains("not valid JSON"));
    assertThat(validator.status().rejected()).containsKey("plan_changed/1-0-0");
    assertThat(validator.status().rejections()).isEqualTo(1);

    // its own example does not conform: rejected too
    publish("plan_changed", "1-0-0", V100.replace("{\"plan\": \"pro\"}]", "{\"plan\": \"gold\"}]"));
    validator.refresh();
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}"))
        .isInstanceOfSatisfying(Validation.UnknownSchema.class, u -> assertThat(u.message()).contains("example 1"));

    publish("plan_changed", "1-0-0", V100);
    validator.refresh();
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}")).isEqualTo(Validation.VALID);
    assertThat(validator.status().rejected()).isEmpty();
  }

  @Test
  void anAdditionMustAcceptEveryExampleOfTheVersionBeforeIt() throws Exception {
    PayloadValidator validator = new PayloadValidator(SchemaStore.at("file:" + dir));
    publish("plan_changed", "1-0-0", V100);
    publish("plan_changed", "1-0-1", V101_NARROWER);
    assertThat(validator.validate("plan_changed", "1-0-1", "{\"plan\":\"pro\"}"))
        .isInstanceOfSatisfying(Validation.UnknownSchema.class, u -> assertThat(u.message())
            .contains("not an ADDITION of 1-0-0").contains("example 0"));
    // the good version keeps working meanwhile
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"free\"}")).isEqualTo(Validation.VALID);

    publish("plan_changed", "1-0-1", V101_GOOD);
    validator.refresh();
    assertThat(validator.validate("plan_changed", "1-0-1", "{\"plan\":\"free\",\"seats\":2}")).isEqualTo(Validation.VALID);

    // an ADDITION with no predecessor is refused: SchemaVer has no gaps
    publish("orphan", "1-0-2", V101_GOOD);
    assertThat(validator.validate("orphan", "1-0-2", "{\"plan\":\"pro\"}"))
        .isInstanceOfSatisfying(Validation.UnknownSchema.class, u -> assertThat(u.message()).contains("does not exist"));
  }

  @Test
  void aVersionInUseNeverChangesEvenWhenItsFileDoes() throws Exception {
    PayloadValidator validator = new PayloadValidator(SchemaStore.at("file:" + dir));
    publish("plan_changed", "1-0-0", V100);
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"free\"}")).isEqualTo(Validation.VALID);

    publish("plan_changed", "1-0-0", "{\"type\": \"object\", \"required\": [\"nothing_sends_this\"]}");
    validator.refresh();
    assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"free\"}")).isEqualTo(Validation.VALID);
  }

  @Test
  void theShippedSchemasAreListedInSchemaVerOrderAndPassTheirOwnChecks() {
    PayloadValidator validator = new PayloadValidator(SchemaStore.at("classpath:schemas"));
    var available = validator.status().available().orElseThrow();
    assertThat(available.get("page_view")).containsExactly("1-0-0", "1-0-1");
    assertThat(available).containsKeys("purchase", "signup", "page", "structured_event", "segment_track");
    available.forEach((type, versions) -> versions.forEach(version ->
        assertThat(validator.validate(type, version, "{}")).as(type + "/" + version)
            .isNotInstanceOf(Validation.UnknownSchema.class)));
    assertThat(validator.status().rejected()).isEmpty();
  }

  @Test
  void aDirectoryListsItsSchemasAndSkipsOtherFiles() throws Exception {
    publish("plan_changed", "1-0-10", V100);
    publish("plan_changed", "1-0-9", V100);
    publish("plan_changed", "notes", "not a schema");
    Files.writeString(dir.resolve("README.md"), "hello");
    assertThat(SchemaStore.at(dir.toString()).list().orElseThrow())
        .isEqualTo(Map.of("plan_changed", new java.util.TreeSet<>(List.of("1-0-9", "1-0-10"))));
  }

  @Test
  void anHttpLocationServesSchemasA404IsNoneAndAnOutageIsNotTakenForNone() throws Exception {
    Map<String, String> served = new ConcurrentHashMap<>(Map.of("/schemas/plan_changed/1-0-0.json", V100));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      byte[] body = served.getOrDefault(path, "").getBytes(StandardCharsets.UTF_8);
      int status = path.contains("down") ? 503 : served.containsKey(path) ? 200 : 404;
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        exchange.getResponseBody().write(body);
      }
      exchange.close();
    });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/schemas";
      PayloadValidator validator = new PayloadValidator(SchemaStore.at(base));
      assertThat(validator.validate("plan_changed", "1-0-0", "{\"plan\":\"pro\"}")).isEqualTo(Validation.VALID);
      assertThat(validator.validate("nothing_here", "1-0-0", "{}")).isInstanceOf(Validation.UnknownSchema.class);
      assertThat(SchemaStore.at(base).list()).isEmpty();
      assertThatThrownBy(() -> SchemaStore.at(base).open("down", "1-0-0")).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("503");
    } finally {
      server.stop(0);
    }
  }
}
