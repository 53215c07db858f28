package dev.millrace.realtime.index;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.millrace.proto.columns.EventColumn;
import dev.millrace.realtime.config.RealtimeProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The composable index templates for the events and dead-letter indexes. Each template carries its
 * alias, so every daily index Elasticsearch creates on first write joins the alias, and explicit
 * mappings with {@code dynamic: false}: fields the loader does not know stay in {@code _source} but
 * never add to the mapping. The events mapping is derived from the flat event's columns
 * ({@link EventDocument}); the dead letters' is their own fields
 * ({@code index/dead-letters-mappings.json}) plus the collector's {@code metadata} and the
 * {@code kafka} coordinates, mapped as in events. Installed (overwritten) at every start, so a new
 * loader version's mapping applies from the next daily index.
 */
public final class IndexTemplates {

  /** Above Elasticsearch's built-in templates (priority 100 and below). */
  private static final int PRIORITY = 200;

  private final RealtimeProperties.Index settings;
  private final JsonMapper json;

  public IndexTemplates(RealtimeProperties.Index settings, JsonMapper json) {
    this.settings = settings;
    this.json = json;
  }

  /** Template name to body, as sent to {@code PUT _index_template/<name>}. */
  public Map<String, ObjectNode> bodies() {
    Map<String, ObjectNode> bodies = new LinkedHashMap<>();
    ObjectNode events = body(settings.eventsPrefix(), settings.eventsAlias(), EventDocument.mappings());
    ObjectNode payload = (ObjectNode) events.at("/template/mappings/properties/payload");
    payload.put("depth_limit", settings.payloadDepthLimit());
    payload.put("ignore_above", settings.payloadIgnoreAbove());
    bodies.put(settings.eventsPrefix(), events);
    ObjectNode deadLetters = readResource("index/dead-letters-mappings.json");
    ObjectNode properties = (ObjectNode) deadLetters.get("properties");
    properties.set(EventDocument.METADATA.name(), json.createObjectNode()
        .set("properties", EventDocument.properties(EventDocument.METADATA)));
    properties.set(EventColumn.KAFKA, EventDocument.kafkaProperties());
    bodies.put(settings.deadLettersPrefix(),
        body(settings.deadLettersPrefix(), settings.deadLettersAlias(), deadLetters));
    return bodies;
  }

  public void install(ElasticsearchClient client) throws IOException {
    for (Map.Entry<String, ObjectNode> template : bodies().entrySet()) {
      String body = json.writeValueAsString(template.getValue());
      client.indices().putIndexTemplate(r -> r.name(template.getKey()).withJson(new StringReader(body)));
    }
  }

  private ObjectNode body(String prefix, String alias, ObjectNode mappings) {
    ObjectNode body = json.createObjectNode();
    body.putArray("index_patterns").add(IndexNaming.pattern(prefix));
    body.put("priority", PRIORITY);
    ObjectNode template = body.putObject("template");
    ObjectNode index = template.putObject("settings").putObject("index");
    index.put("number_of_shards", settings.shards());
    index.put("number_of_replicas", settings.replicas());
    // Set explicitly, so a shard never goes search-idle (and the first search after 30 s quiet does
    // not wait for a refresh).
    index.put("refresh_interval", settings.refreshInterval().toMillis() + "ms");
    index.putObject("mapping").putObject("total_fields").put("limit", settings.totalFieldsLimit());
    template.set("mappings", mappings);
    template.putObject("aliases").putObject(alias);
    body.putObject("_meta").put("managed_by", "millrace-realtime-loader");
    return body;
  }

  private ObjectNode readResource(String name) {
    try (InputStream in = IndexTemplates.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return (ObjectNode) json.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
