package dev.millrace.enrichment.referrer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.millrace.proto.v1.ReferrerClass;
import dev.millrace.proto.v1.ReferrerInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReferrerClassifierTest {

  private final ReferrerClassifier classifier =
      new ReferrerClassifier(ReferrerList.load(""), List.of("shop.example", "example-cdn.net"));

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      https://www.google.com/ | REFERRER_CLASS_SEARCH | Google
      https://www.google.co.uk/search?q=trail+shoes | REFERRER_CLASS_SEARCH | Google
      https://www.bing.com/search?q=shoes&form=QBLH | REFERRER_CLASS_SEARCH | Bing
      https://duckduckgo.com/ | REFERRER_CLASS_SEARCH | DuckDuckGo
      https://yandex.ru/search/?text=boots | REFERRER_CLASS_SEARCH | Yandex
      https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example | REFERRER_CLASS_SOCIAL | Facebook
      https://t.co/AbCdEf123 | REFERRER_CLASS_SOCIAL | X (Twitter)
      https://www.linkedin.com/feed/ | REFERRER_CLASS_SOCIAL | LinkedIn
      android-app://com.linkedin.android/ | REFERRER_CLASS_SOCIAL | LinkedIn
      https://old.reddit.com/r/running/ | REFERRER_CLASS_SOCIAL | Reddit
      https://mail.google.com/mail/u/0/ | REFERRER_CLASS_EMAIL | Gmail
      android-app://com.google.android.gm/ | REFERRER_CLASS_EMAIL | Gmail
      https://outlook.live.com/mail/0/inbox | REFERRER_CLASS_EMAIL | Outlook.com
      https://googleads.g.doubleclick.net/pagead/ads | REFERRER_CLASS_PAID | Google Ads
      https://www.googleadservices.com/pagead/aclk?sa=L | REFERRER_CLASS_PAID | Google Ads
      https://shop.example/cart | REFERRER_CLASS_INTERNAL | ''
      https://blog.shop.example/post | REFERRER_CLASS_INTERNAL | ''
      https://static.example-cdn.net/x | REFERRER_CLASS_INTERNAL | ''
      https://notshop.example/ | REFERRER_CLASS_UNKNOWN | ''
      https://www.some-blog.example.org/post | REFERRER_CLASS_UNKNOWN | ''
      https://google.com.evil.example/ | REFERRER_CLASS_UNKNOWN | ''
      not a url | REFERRER_CLASS_UNKNOWN | ''
      """)
  void classifiesByHost(String referrer, ReferrerClass expected, String name) {
    ReferrerInfo info = classifier.classify(referrer);

    assertThat(info.getReferrerClass()).isEqualTo(expected);
    assertThat(info.getName()).isEqualTo(name);
  }

  @Test
  void keepsTheSearchTermWhenTheEngineSendsIt() {
    ReferrerInfo info = classifier.classify("https://www.bing.com/search?q=trail+running+shoes&form=QBLH");

    assertThat(info.getSearchTerm()).isEqualTo("trail running shoes");
    assertThat(info.getHost()).isEqualTo("www.bing.com");
  }

  @Test
  void aUsersListReplacesTheBundledOne() {
    ReferrerList list = ReferrerList.parse("""
        version: "acme-1"
        referrers:
          search:
            Intranet Search:
              hosts: [search.acme.internal]
              parameters: [query]
        """.getBytes(StandardCharsets.UTF_8), "acme.yaml");
    ReferrerClassifier custom = new ReferrerClassifier(list, List.of());

    ReferrerInfo info = custom.classify("https://search.acme.internal/?query=holidays");

    assertThat(info.getReferrerClass()).isEqualTo(ReferrerClass.REFERRER_CLASS_SEARCH);
    assertThat(info.getSearchTerm()).isEqualTo("holidays");
    assertThat(custom.classify("https://www.google.com/").getReferrerClass())
        .isEqualTo(ReferrerClass.REFERRER_CLASS_UNKNOWN);
    assertThat(custom.listVersion()).isEqualTo("acme-1");
  }

  @Test
  void aListWithAnUnknownClassIsRefusedNamingIt() {
    assertThatThrownBy(() -> ReferrerList.parse("""
        version: "1"
        referrers:
          news:
            BBC: {hosts: [bbc.co.uk]}
        """.getBytes(StandardCharsets.UTF_8), "mine.yaml"))
        .hasMessage("referrer list mine.yaml: unknown class 'news' (expected one of search, social, email, paid)");
  }

  @Test
  void aHostListedTwiceIsRefused() {
    assertThatThrownBy(() -> ReferrerList.parse("""
        version: "1"
        referrers:
          search:
            A: {hosts: [a.example]}
          social:
            B: {hosts: [A.example]}
        """.getBytes(StandardCharsets.UTF_8), "dup.yaml"))
        .hasMessage("referrer list dup.yaml: host a.example is listed under both A and B");
  }

  @Test
  void theBundledListHasAVersion() {
    assertThat(ReferrerList.load("").version()).isNotBlank();
  }
}
