package dev.millrace.enricher.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.enricher.Events;
import dev.millrace.proto.v1.Violation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PayloadValidatorTest {

  private final PayloadValidator validator = new PayloadValidator(SchemaStore.at("classpath:schemas"));

  @Test
  void theShippedSchemasAcceptRealisticPayloads() {
    assertThat(validator.validate("page_view", "1-0-0", Events.PAGE_VIEW)).isEqualTo(Validation.VALID);
    assertThat(validator.validate("link_click", "1-0-0", Events.LINK_CLICK)).isEqualTo(Validation.VALID);
    assertThat(validator.validate("add_to_cart", "1-0-0", Events.ADD_TO_CART)).isEqualTo(Validation.VALID);
    assertThat(validator.validate("purchase", "1-0-0", Events.PURCHASE)).isEqualTo(Validation.VALID);
    assertThat(validator.validate("signup", "1-0-0", Events.SIGNUP)).isEqualTo(Validation.VALID);
  }

  @Test
  void anAdditionVersionAcceptsEveryPayloadOfTheVersionBefore() {
    assertThat(validator.validate("page_view", "1-0-1", Events.PAGE_VIEW)).isEqualTo(Validation.VALID);
    assertThat(validator.validate("page_view", "1-0-1", "{\"path\":\"/\",\"load_time_ms\":12}"))
        .isEqualTo(Validation.VALID);
    assertThat(validator.validate("page_view", "1-0-0", "{\"path\":\"/\",\"load_time_ms\":12}"))
        .as("1-0-0 does not know the added field").isInstanceOf(Validation.Invalid.class);
  }

  @Test
  void everyFailureIsReportedWithItsPointerAndKeyword() {
    Validation v = validator.validate("add_to_cart", "1-0-0",
        "{\"product_id\":\"\",\"quantity\":2.5,\"currency\":\"EUR\",\"colour\":\"red\"}");
    assertThat(v).isInstanceOf(Validation.Invalid.class);
    assertThat(((Validation.Invalid) v).violations())
        .extracting(Violation::getPointer, Violation::getKeyword)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("/payload/product_id", "minLength"),
            org.assertj.core.groups.Tuple.tuple("/payload/quantity", "type"),
            org.assertj.core.groups.Tuple.tuple("/payload", "required"),
            org.assertj.core.groups.Tuple.tuple("/payload", "additionalProperties"));
  }

  @Test
  void formatsAreAsserted() {
    assertThat(validator.validate("signup", "1-0-0", "{\"method\":\"email\",\"email\":\"not an email\"}"))
        .isInstanceOfSatisfying(Validation.Invalid.class, i -> assertThat(i.violations())
            .extracting(Violation::getKeyword).containsExactly("format"));
  }

  @Test
  void namesThatCannotBeASchemaAreUnknownAndNeverTouchTheFileSystem() {
    assertThat(validator.validate("page_view", "2-0-0", "{}")).isInstanceOf(Validation.UnknownSchema.class);
    assertThat(validator.validate("no_such_event", "1-0-0", "{}")).isInstanceOf(Validation.UnknownSchema.class);
    assertThat(validator.validate("..", "1-0-0", "{}")).isInstanceOf(Validation.UnknownSchema.class);
    assertThat(validator.validate("page_view", "../../x", "{}")).isInstanceOf(Validation.UnknownSchema.class);
  }

  @Test
  void schemasCanBeReadFromADirectory(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("refund"));
    Files.writeString(dir.resolve("refund/1-0-0.json"), """
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
         "properties": {"amount": {"type": "number"}}, "required": ["amount"]}""");
    PayloadValidator fromDir = new PayloadValidator(SchemaStore.at("file:" + dir));
    assertThat(fromDir.validate("refund", "1-0-0", "{\"amount\":3}")).isEqualTo(Validation.VALID);
    assertThat(fromDir.validate("refund", "1-0-0", "{}")).isInstanceOf(Validation.Invalid.class);
    assertThat(fromDir.validate("page_view", "1-0-0", Events.PAGE_VIEW)).isInstanceOf(Validation.UnknownSchema.class);
  }
}
