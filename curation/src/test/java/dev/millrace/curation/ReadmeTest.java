package dev.millrace.curation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.curation.catalog.CuratedTable;
import dev.millrace.curation.catalog.TableSchemas;
import dev.millrace.curation.quality.CheckName;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The README documents what the code defines: every table's columns, every check, every key. */
class ReadmeTest {

  static String readme() throws Exception {
    return Files.readString(Path.of("README.md"));
  }

  /** The README's part from {@code ### `name`} to the next heading. */
  static String section(String readme, String table) {
    int start = readme.indexOf("### `" + table + "`");
    assertThat(start).as("a section for table " + table).isNotNegative();
    int end = readme.indexOf("\n#", start + 1);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  @Test
  void everyColumnOfEveryTableIsDocumentedInItsSection() throws Exception {
    Map<String, String> schemas = new LinkedHashMap<>();
    for (CuratedTable t : CuratedTable.values()) {
      schemas.put(t.tableName(), t.schema());
    }
    schemas.put("dq_results", TableSchemas.DQ_RESULTS);
    schemas.put("curation_runs", TableSchemas.CURATION_RUNS);
    String readme = readme();
    for (var e : schemas.entrySet()) {
      String section = section(readme, e.getKey());
      for (StructField f : StructType.fromDDL(e.getValue()).fields()) {
        assertThat(section).as(e.getKey() + "." + f.name()).contains("| `" + f.name() + "` |");
      }
      long documented = section.lines().filter(l -> l.startsWith("| `")).count();
      assertThat(documented).as(e.getKey() + ": documented columns the table does not have")
          .isEqualTo(StructType.fromDDL(e.getValue()).fields().length);
    }
  }

  @Test
  void everyCheckAndEveryConfigurationKeyIsDocumented() throws Exception {
    String readme = readme();
    for (CheckName c : CheckName.values()) {
      assertThat(readme).as("check " + c.key()).contains("| `" + c.key() + "` | " + c.table() + " |");
    }
    Properties defaults = new Properties();
    try (InputStream in = ReadmeTest.class.getResourceAsStream("/millrace-curation.properties")) {
      defaults.load(in);
    }
    for (String key : defaults.stringPropertyNames()) {
      String value = defaults.getProperty(key);
      assertThat(readme).as(key).contains("| `" + key + "` | " + (value.isEmpty() ? "-" : "`" + value + "`") + " |");
    }
  }
}
