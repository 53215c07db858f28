package dev.millrace.curation.catalog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The {@link CuratedTable} catalogue as a small JSON file, for readers that are not Java: the
 * Airflow DAG generates its per-table tasks from it ({@code airflow/dags/curation_tables.json}), so
 * the table list and its dependencies are declared once, here. A test in the {@code airflow}
 * module fails when the committed file and this rendering differ.
 *
 * <pre>
 * java -cp ... dev.millrace.curation.catalog.TableDescription airflow/dags/curation_tables.json
 * </pre>
 */
public final class TableDescription {

  private TableDescription() {}

  /** Tables in build order (a table only depends on tables above it), one JSON object each. */
  public static String json() {
    String tables = List.of(CuratedTable.values()).stream()
        .map(t -> "    {\"name\": " + quote(t.tableName())
            + ", \"depends_on\": [" + t.dependsOn().stream().map(d -> quote(d.tableName())).collect(Collectors.joining(", "))
            + "], \"write\": " + quote(t.write().name())
            + ", \"partitioned_by\": " + quote(t.partitionedBy())
            + ", \"description\": " + quote(t.description()) + "}")
        .collect(Collectors.joining(",\n"));
    return "{\n  \"generated_by\": \"dev.millrace.curation.catalog.TableDescription\",\n  \"tables\": [\n" + tables
        + "\n  ]\n}\n";
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: TableDescription OUTPUT.json");
      System.exit(2);
    }
    Files.writeString(Path.of(args[0]), json(), StandardCharsets.UTF_8);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
