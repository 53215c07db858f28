package dev.millrace.enrichment.pii;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.StringNode;

class JsonPathTest {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private static String replaceWithX(String path, String json) {
    JsonNode root = MAPPER.readTree(json);
    JsonPath.compile(path).replace(root, v -> StringNode.valueOf("X"));
    return MAPPER.writeValueAsString(root);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      $.a | {"a":1,"b":2} | {"a":"X","b":2}
      $.a.b | {"a":{"b":1,"c":2}} | {"a":{"b":"X","c":2}}
      $.a[1] | {"a":[1,2,3]} | {"a":[1,"X",3]}
      $.a[*].b | {"a":[{"b":1},{"c":2},{"b":3}]} | {"a":[{"b":"X"},{"c":2},{"b":"X"}]}
      $['odd key'].v | {"odd key":{"v":1}} | {"odd key":{"v":"X"}}
      $.a.* | {"a":{"x":1,"y":2}} | {"a":{"x":"X","y":"X"}}
      $.missing.b | {"a":1} | {"a":1}
      $.a.b | {"a":[{"b":1}]} | {"a":[{"b":1}]}
      $.a[5] | {"a":[1]} | {"a":[1]}
      """)
  void replacesWhatThePathReaches(String path, String json, String expected) {
    assertThat(replaceWithX(path, json)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      email | must start with '$'
      $ | names no field
      $..a | empty field name at position 2
      $.a[x] | '[x]' at position 3 is not an index, '*' or a quoted name
      $.a[1 | '[' at position 3 is not closed
      $.a[-1] | '[-1]' at position 3 is not an index, '*' or a quoted name
      """)
  void refusesWhatItDoesNotSupport(String path, String message) {
    assertThatThrownBy(() -> JsonPath.compile(path)).hasMessage(message);
  }

  @ParameterizedTest(name = "{0} in {1}: {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      $.email           | {"email":1}              | true
      $.email           | {"e-mail":1}             | false
      $.email           | {"em\\u0061il":1}         | true
      $.email           | {"x":"email"}            | true
      $.user.email      | {"user":{"mail":1}}      | false
      $.items[*].buyer  | {"items":[{"b":1}]}      | false
      $.items[0]        | {"items":[1]}            | true
      $.items[0]        | {"list":[1]}             | false
      $.*               | {"a":1}                  | true
      $['a"b']          | {"x":1}                  | true
      """)
  void mayReachIsFalseOnlyWhenTheTextCannotHoldTheField(String path, String json, boolean expected) {
    assertThat(JsonPath.compile(path).mayReach(json)).isEqualTo(expected);
  }
}
