package dev.millrace.enrichment.url;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UrlsTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      https://www.google.com/search?q=x | www.google.com
      HTTPS://WWW.Example.COM.:8443/path | www.example.com
      http://user:pass@example.org/ | example.org
      //cdn.example.net/lib.js | cdn.example.net
      android-app://com.google.android.gm/ | com.google.android.gm
      http://[2001:db8::1]:8080/x | [2001:db8::1]
      https://example.com#top | example.com
      https://exa mple.com/ | ''
      www.google.com/search | ''
      not a url | ''
      https:// | ''
      '' | ''
      """)
  void hostIsReadLeniently(String url, String host) {
    assertThat(Urls.host(url)).isEqualTo(host);
  }
}
