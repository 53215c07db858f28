package dev.millrace.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest_client.RestClientTransport;
import java.io.IOException;
import java.util.Map;
import org.apache.http.HttpHost;
import org.elasticsearch.client.RestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(LocalStackExtension.class)
class ElasticsearchServerIT {

  private static RestClientTransport transport;
  private static ElasticsearchClient client;

  @BeforeAll
  static void connect(ElasticsearchServer elasticsearch) {
    transport = new RestClientTransport(RestClient.builder(HttpHost.create(elasticsearch.url())).build(),
        new JacksonJsonpMapper());
    client = new ElasticsearchClient(transport);
  }

  @AfterAll
  static void disconnect() throws IOException {
    transport.close();
  }

  @Test
  void bulkIndexedDocumentsAreFoundBySearchAndSurviveAKill(ElasticsearchServer elasticsearch)
      throws IOException {
    BulkRequest.Builder bulk = new BulkRequest.Builder().index("events").refresh(Refresh.WaitFor);
    for (int i = 0; i < 100; i++) {
      Map<String, Object> doc = Map.of("event_id", "e" + i, "type", i % 4 == 0 ? "page_view" : "click");
      String id = "e" + i;
      bulk.operations(op -> op.index(idx -> idx.id(id).document(doc)));
    }
    BulkResponse response = client.bulk(bulk.build());
    assertThat(response.errors()).isFalse();
    assertThat(pageViews()).isEqualTo(25);

    String url = elasticsearch.url();
    elasticsearch.kill();
    elasticsearch.start();
    assertThat(elasticsearch.url()).isEqualTo(url);
    assertThat(pageViews()).isEqualTo(25);
  }

  private static long pageViews() throws IOException {
    SearchResponse<Map> found = client.search(s -> s.index("events")
        .query(q -> q.term(t -> t.field("type.keyword").value("page_view"))), Map.class);
    return found.hits().total().value();
  }
}
