package dev.millrace.bench.enrichment;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * About 1,000 distinct, realistic User-Agent strings built from the templates real browsers use,
 * drawn with a Zipf distribution over their rank: a few builds of Chrome and Safari make most of
 * real traffic, with a long tail of old versions, rarer browsers and crawlers.
 */
final class UserAgentMix {

  private final List<String> strings;
  private final double[] cumulative;

  UserAgentMix(int distinct, double exponent, long seed) {
    Random random = new Random(seed);
    Set<String> set = new LinkedHashSet<>();
    while (set.size() < distinct) {
      set.add(generate(random));
    }
    strings = new ArrayList<>(set);
    cumulative = new double[strings.size()];
    double sum = 0;
    for (int rank = 0; rank < strings.size(); rank++) {
      sum += 1.0 / Math.pow(rank + 1, exponent);
      cumulative[rank] = sum;
    }
    for (int i = 0; i < cumulative.length; i++) {
      cumulative[i] /= sum;
    }
  }

  int distinct() {
    return strings.size();
  }

  /** One string, by Zipf rank. */
  String next(Random random) {
    double u = random.nextDouble();
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return strings.get(lo);
  }

  private static String generate(Random r) {
    int kind = r.nextInt(100);
    int chrome = 100 + r.nextInt(26);
    String chromeFull = chrome + ".0." + (5000 + r.nextInt(1500)) + "." + r.nextInt(200);
    String android = String.valueOf(9 + r.nextInt(6));
    String[] phones = {"Pixel 7", "Pixel 8", "Pixel 8 Pro", "SM-S918B", "SM-S911B", "SM-A546B",
        "SM-A536B", "SM-G991B", "moto g(60)", "2201117TY", "CPH2451", "M2101K6G", "RMX3360"};
    String iosMajor = String.valueOf(15 + r.nextInt(4));
    String ios = iosMajor + "_" + r.nextInt(7) + (r.nextBoolean() ? "_" + (1 + r.nextInt(3)) : "");
    String macos = "10_15_7";
    if (kind < 30) {
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
          + (r.nextBoolean() ? chrome + ".0.0.0" : chromeFull) + " Safari/537.36";
    } else if (kind < 38) {
      return "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"
          + chrome + ".0.0.0 Safari/537.36 Edg/" + chrome + ".0." + (2000 + r.nextInt(500)) + "." + r.nextInt(100);
    } else if (kind < 46) {
      int ff = 100 + r.nextInt(27);
      String os = switch (r.nextInt(3)) {
        case 0 -> "Windows NT 10.0; Win64; x64";
        case 1 -> "X11; Linux x86_64";
        default -> "Macintosh; Intel Mac OS X 10." + (13 + r.nextInt(3));
      };
      return "Mozilla/5.0 (" + os + "; rv:" + ff + ".0) Gecko/20100101 Firefox/" + ff + ".0";
    } else if (kind < 54) {
      return "Mozilla/5.0 (Macintosh; Intel Mac OS X " + macos + ") AppleWebKit/605.1.15 (KHTML, like Gecko)"
          + " Version/" + (15 + r.nextInt(4)) + "." + r.nextInt(7) + " Safari/605.1.15";
    } else if (kind < 72) {
      return "Mozilla/5.0 (iPhone; CPU iPhone OS " + ios + " like Mac OS X) AppleWebKit/605.1.15"
          + " (KHTML, like Gecko) Version/" + iosMajor + "." + r.nextInt(7) + " Mobile/15E148 Safari/604.1";
    } else if (kind < 76) {
      return "Mozilla/5.0 (iPad; CPU OS " + ios + " like Mac OS X) AppleWebKit/605.1.15"
          + " (KHTML, like Gecko) Version/" + iosMajor + "." + r.nextInt(7) + " Mobile/15E148 Safari/604.1";
    } else if (kind < 90) {
      return "Mozilla/5.0 (Linux; Android " + android + "; " + phones[r.nextInt(phones.length)]
          + ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + chromeFull + " Mobile Safari/537.36";
    } else if (kind < 94) {
      return "Mozilla/5.0 (Linux; Android " + android + "; " + phones[r.nextInt(phones.length)]
          + ") AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/" + (20 + r.nextInt(6)) + ".0 Chrome/"
          + chrome + ".0.0.0 Mobile Safari/537.36";
    } else if (kind < 96) {
      return "Mozilla/5.0 (iPhone; CPU iPhone OS " + ios + " like Mac OS X) AppleWebKit/605.1.15"
          + " (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/" + (400 + r.nextInt(60)) + ".0.0."
          + r.nextInt(60) + "." + r.nextInt(200) + ";FBBV/" + (500000000 + r.nextInt(99999999))
          + ";FBDV/iPhone14," + (2 + r.nextInt(5)) + ";FBMD/iPhone;FBSN/iOS;FBSV/" + ios.replace('_', '.')
          + ";FBSS/3;FBID/phone;FBLC/en_GB;FBOP/5]";
    } else {
      return switch (r.nextInt(6)) {
        case 0 -> "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
        case 1 -> "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like"
            + " Gecko) Chrome/" + chromeFull + " Mobile Safari/537.36 (compatible; Googlebot/2.1;"
            + " +http://www.google.com/bot.html)";
        case 2 -> "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)";
        case 3 -> "curl/" + (7 + r.nextInt(2)) + "." + r.nextInt(90) + "." + r.nextInt(3);
        case 4 -> "python-requests/2." + (20 + r.nextInt(13)) + "." + r.nextInt(3);
        default -> "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/"
            + chromeFull + " Safari/537.36";
      };
    }
  }
}
