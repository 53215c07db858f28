package dev.millrace.curation.input;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.batch.parquet.EventSchema;
import java.util.ArrayList;
import java.util.List;
import org.apache.iceberg.Schema;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageTypeParser;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

/** The job's view of the batch loader's files must stay the loader's schema. */
class RawSchemaTest {

  @Test
  void theRawSchemaIsTheBatchLoadersParquetSchemaPlusThePathsDayAndHour() {
    // Iceberg's runtime shades Parquet: the loader's schema crosses over as its text.
    Schema loaderAsIceberg = ParquetSchemaUtil.convert(MessageTypeParser.parseMessageType(EventSchema.SCHEMA.toString()));
    List<String> expected = new ArrayList<>();
    loaderAsIceberg.columns().forEach(f -> expected.add(describe(f)));
    expected.add("dt optional date");
    expected.add("hour optional int");

    List<String> actual = new ArrayList<>();
    RawSchema.SCHEMA.columns().forEach(f -> actual.add(describe(f)));

    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void theTableIsPartitionedByThePathsDayAndHour() {
    assertThat(RawSchema.SPEC.fields()).extracting(f -> RawSchema.SCHEMA.findColumnName(f.sourceId()))
        .containsExactly("dt", "hour");
  }

  private static String describe(Types.NestedField f) {
    return f.name() + " " + (f.isOptional() ? "optional" : "required") + " " + f.type();
  }
}
