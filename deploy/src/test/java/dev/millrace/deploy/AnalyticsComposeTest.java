package dev.millrace.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The analysts' half of {@code docker-compose.yml} (profile {@code analytics}) against the files
 * that define what it runs: the Trino catalogs, the curation job's keys, the DAGs' settings,
 * Superset's configuration, the versions the modules test, and the documented ports. Each check
 * fails when one side changes without the other.
 */
class AnalyticsComposeTest {

  private static final Pattern TRINO_ENV = Pattern.compile("\\$\\{ENV:([A-Z0-9_]+)}");
  private static final Pattern REQUIRED = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?");
  private static final List<String> AIRFLOW = List.of("airflow-init", "airflow-apiserver", "airflow-scheduler",
      "airflow-dag-processor");

  static ComposeFile compose;
  static Map<String, String> example;

  @BeforeAll
  static void load() {
    compose = ComposeFile.load();
    example = ComposeFile.dotenv(ComposeFile.repo().resolve(".env.example"));
  }

  static String read(String path) {
    try {
      return Files.readString(ComposeFile.repo().resolve(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Set<String> matches(Pattern pattern, String text) {
    Set<String> found = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }

  @Test
  void trinoIsGivenExactlyTheSettingsItsCatalogsRead() throws IOException {
    Set<String> read = new TreeSet<>();
    try (Stream<Path> files = Files.list(ComposeFile.repo().resolve("analytics/trino/catalog"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".properties")).toList()) {
        read.addAll(matches(TRINO_ENV, Files.readString(f)));
      }
    }
    assertThat(read).as("the catalogs' ${ENV:...}").isNotEmpty();
    Set<String> given = new TreeSet<>(compose.rawEnvironment("trino").keySet());
    given.remove("JAVA_TOOL_OPTIONS");
    assertThat(given).isEqualTo(read);
    assertThat(volumes("trino")).contains("./analytics/trino/catalog:/etc/trino/catalog:ro");
  }

  @Test
  void trinoReadsTheCatalogAndWarehouseTheCurationJobWrites() throws IOException {
    Map<String, String> trino = compose.rawEnvironment("trino");
    Map<String, String> job = compose.rawEnvironment("curation");
    assertThat(trino.get("MILLRACE_CATALOG_JDBC_URL")).isEqualTo(job.get("MILLRACE_CURATION_CATALOG_URI"));
    assertThat(trino.get("MILLRACE_CATALOG_JDBC_USER")).isEqualTo(job.get("MILLRACE_CURATION_CATALOG_JDBC_USER"));
    assertThat(trino.get("MILLRACE_CATALOG_JDBC_PASSWORD")).isEqualTo(job.get("MILLRACE_CURATION_CATALOG_JDBC_PASSWORD"));
    assertThat(trino.get("MILLRACE_CURATED_WAREHOUSE")).isEqualTo(job.get("MILLRACE_CURATION_CATALOG_WAREHOUSE"));
    assertThat(trino.get("MILLRACE_S3_ENDPOINT")).isEqualTo(job.get("MILLRACE_CURATION_S3_ENDPOINT"));
    Properties curated = new Properties();
    curated.load(new java.io.StringReader(read("analytics/trino/catalog/curated.properties")));
    assertThat(curated.getProperty("iceberg.jdbc-catalog.catalog-name")).as("Trino's Iceberg catalog name")
        .isEqualTo(curationDefaults().getProperty("millrace.curation.catalog.name"));
    // Both buckets exist before the job or Trino starts.
    String buckets = ComposeFile.interpolate(compose.rawEnvironment("minio-init").get("BUCKETS"), example);
    String warehouse = ComposeFile.interpolate(trino.get("MILLRACE_CURATED_WAREHOUSE"), example);
    String input = ComposeFile.interpolate(job.get("MILLRACE_CURATION_INPUT_BUCKET"), example);
    assertThat(buckets.split(" ")).contains(warehouse.replaceFirst("^s3://([^/]+).*$", "$1"),
        input.replaceFirst("^s3://([^/]+).*$", "$1"));
  }

  @Test
  void theCurationJobIsGivenOnlyKeysItReadsAndEveryOneItRequires() throws IOException {
    Properties defaults = curationDefaults();
    Set<String> keys = new TreeSet<>();
    defaults.stringPropertyNames().forEach(k -> keys.add(k.toUpperCase().replace('.', '_').replace('-', '_')));
    // Required and without a default: the catalog, warehouse and lake must come from compose.
    List<String> required = List.of("MILLRACE_CURATION_CATALOG_URI", "MILLRACE_CURATION_CATALOG_WAREHOUSE",
        "MILLRACE_CURATION_INPUT_BUCKET");
    for (String service : concat(List.of("curation"), AIRFLOW)) {
      Set<String> given = new TreeSet<>(compose.rawEnvironment(service).keySet());
      given.removeIf(k -> !k.startsWith("MILLRACE_CURATION_"));
      assertThat(given).as(service).containsAll(required).allSatisfy(k -> assertThat(keys).contains(k));
    }
  }

  @Test
  void airflowIsGivenSettingsTheDagsReadAndRunsTheJobFromItsImage() {
    String settings = read("airflow/dags/millrace_airflow/settings.py");
    Set<String> read = matches(Pattern.compile("(?:PREFIX \\+ |_(?:seconds|int|json)\\(env, )\"([A-Z0-9_]+)\""),
        settings);
    assertThat(read).contains("RUNNER", "LOCAL_COMMAND", "AWS_CONN_ID");
    Matcher conn = Pattern.compile("PREFIX \\+ \"AWS_CONN_ID\", \"([a-z0-9_]+)\"").matcher(settings);
    assertThat(conn.find()).isTrue();
    for (String service : AIRFLOW) {
      Map<String, String> env = compose.rawEnvironment(service);
      env.keySet().stream().filter(k -> k.startsWith("MILLRACE_AIRFLOW_"))
          .forEach(k -> assertThat(read).as(service + ": " + k).contains(k.substring("MILLRACE_AIRFLOW_".length())));
      assertThat(env).as(service + ": the connection the DAGs' sensor uses")
          .containsKey("AIRFLOW_CONN_" + conn.group(1).toUpperCase());
      assertThat(env.get("MILLRACE_AIRFLOW_LOCAL_COMMAND")).isEqualTo("/app/bin/millrace-curation");
      assertThat(volumes(service)).contains("./airflow/dags:/opt/airflow/dags:ro");
    }
    assertThat(ComposeFile.repo().resolve("curation/src/main/image/app/bin/millrace-curation"))
        .as("the command the curation image ships (curation/pom.xml, images profile)").isRegularFile();
    assertThat(read("deploy/compose/airflow/Dockerfile")).contains("COPY --from=curation /app /app");
  }

  @Test
  void supersetIsGivenSettingsItsConfigurationReads() {
    Set<String> read = new TreeSet<>(matches(Pattern.compile("os\\.environ\\.get\\(\\s*\"([A-Z0-9_]+)\""),
        read("analytics/superset/superset_config.py") + read("analytics/superset/bundle.py")));
    read.add("SUPERSET_CONFIG_PATH"); // Superset's own: where superset_config.py is
    for (String service : List.of("superset", "superset-init")) {
      Map<String, String> env = compose.rawEnvironment(service);
      String command = String.valueOf(compose.service(service).get("command"));
      env.keySet().forEach(k -> assertThat(read.contains(k) || command.contains("$$" + k))
          .as(service + ": " + k + " is read by superset_config.py, bundle.py or the command").isTrue());
      assertThat(env).containsKeys("SUPERSET_SECRET_KEY", "SUPERSET_DATABASE_URI", "MILLRACE_TRINO_URI");
      assertThat(ComposeFile.repo().resolve("analytics/superset").resolve(
          env.get("SUPERSET_CONFIG_PATH").replaceFirst("^/app/millrace/", ""))).isRegularFile();
      assertThat(volumes(service)).contains("./analytics/superset:/app/millrace:ro");
    }
    assertThat(compose.rawEnvironment("superset").get("MILLRACE_TRINO_URI")).contains("@trino:8080");
  }

  @Test
  void imagesArePinnedToTheVersionsTheModulesTest() {
    assertThat(compose.image("trino", example)).isEqualTo("trinodb/trino:" + ComposeFileTest.version("trino.version"));
    // PostgreSQL: the release local-stack runs is checked by PostgresInitIT, which asks the server.
    assertThat(compose.image("postgres-init", example)).isEqualTo(compose.image("postgres", example));

    String airflow = lockVersion("airflow/requirements.lock", "apache-airflow");
    assertThat(read("deploy/compose/airflow/Dockerfile")).contains("FROM apache/airflow:" + airflow + "-python3.11\n");
    String superset = read("deploy/compose/superset/Dockerfile");
    assertThat(superset).contains("FROM apache/superset:" + lockVersion("analytics/requirements.lock", "apache-superset") + "\n")
        .contains("\"trino[sqlalchemy]==" + lockVersion("analytics/requirements.lock", "trino") + "\"");
    for (String service : AIRFLOW) {
      assertThat(compose.image(service, example)).isEqualTo("millrace/airflow:" + ComposeFileTest.version("millrace.version"));
    }
    assertThat(compose.image("curation", example)).isEqualTo("millrace/curation:" + ComposeFileTest.version("millrace.version"));
  }

  @Test
  void theReadmeListsEveryPublishedPort() {
    Map<String, Set<Integer>> documented = new TreeMap<>();
    Pattern row = Pattern.compile("^\\| ([a-z-]+) \\| ([^|]+) \\|", Pattern.MULTILINE);
    Matcher m = row.matcher(read("deploy/README.md"));
    while (m.find()) {
      if (compose.services().containsKey(m.group(1))) {
        Set<Integer> ports = new TreeSet<>();
        matches(Pattern.compile("\\b(\\d{4,5})\\b"), m.group(2)).forEach(p -> ports.add(Integer.parseInt(p)));
        if (!ports.isEmpty()) {
          documented.putIfAbsent(m.group(1), ports); // the ports table (the images table names sizes)
        }
      }
    }
    Map<String, Set<Integer>> published = new TreeMap<>();
    compose.services().keySet().forEach(name -> {
      Set<Integer> ports = new TreeSet<>();
      compose.ports(name).forEach(p -> ports.add(Integer.parseInt(p.substring(0, p.indexOf(':')))));
      if (!ports.isEmpty()) {
        published.put(name, ports);
      }
    });
    assertThat(documented).as("deploy/README.md's port table").isEqualTo(published);
    List<Integer> all = new ArrayList<>();
    published.values().forEach(all::addAll);
    assertThat(all).as("no host port published twice").doesNotHaveDuplicates();
  }

  @Test
  void theEnvExampleNamesEveryRequiredVariableWithoutAValue() {
    Set<String> required = matches(REQUIRED, read("docker-compose.yml"));
    assertThat(required).contains("POSTGRES_PASSWORD", "CATALOG_DB_PASSWORD", "AIRFLOW_FERNET_KEY",
        "SUPERSET_SECRET_KEY", "MILLRACE_PII_KEY");
    Map<String, String> secrets = new LinkedHashMap<>();
    required.forEach(name -> secrets.put(name, example.get(name)));
    // MINIO_ROOT_USER is a name, not a secret: the example gives it one.
    secrets.remove("MINIO_ROOT_USER");
    assertThat(secrets).as(".env.example").allSatisfy((name, value) -> assertThat(value).as(name).isEmpty());
    assertThat(example).containsKey("MINIO_ROOT_USER");
  }

  static Properties curationDefaults() {
    Properties p = new Properties();
    try {
      p.load(new java.io.StringReader(read("curation/src/main/resources/millrace-curation.properties")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  static String lockVersion(String lock, String project) {
    Matcher m = Pattern.compile("^" + Pattern.quote(project) + "(?:\\[[^]]*])?==([^\\s\\\\]+)", Pattern.MULTILINE)
        .matcher(read(lock));
    assertThat(m.find()).as(project + " in " + lock).isTrue();
    return m.group(1);
  }

  @SuppressWarnings("unchecked")
  static List<String> volumes(String service) {
    Object v = compose.service(service).get("volumes");
    return v == null ? List.of() : ((List<Object>) v).stream().map(String::valueOf).toList();
  }

  static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
