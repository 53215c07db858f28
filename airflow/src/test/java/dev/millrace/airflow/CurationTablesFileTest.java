package dev.millrace.airflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.curation.catalog.TableDescription;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The DAG's table list is the curation job's: {@code dags/curation_tables.json} must be exactly what
 * {@link TableDescription} renders from {@code CuratedTable}.
 */
class CurationTablesFileTest {

  @Test
  void theDagsTableDescriptionIsTheCurationJobsCatalogue() throws Exception {
    Path committed = Path.of("dags/curation_tables.json");
    assertThat(Files.readString(committed))
        .as("%s drifted from CuratedTable; regenerate it: java -cp curation/target/classes "
            + "dev.millrace.curation.catalog.TableDescription airflow/dags/curation_tables.json", committed)
        .isEqualTo(TableDescription.json());
  }
}
