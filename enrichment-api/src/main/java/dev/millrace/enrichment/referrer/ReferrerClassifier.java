package dev.millrace.enrichment.referrer;

import dev.millrace.enrichment.url.Urls;
import dev.millrace.proto.v1.ReferrerClass;
import dev.millrace.proto.v1.ReferrerInfo;
import java.util.List;
import java.util.Map;

/**
 * Classifies a referrer URL by its host: the site's own domains first, then the referrer list.
 * A host matches a listed domain when it is that domain or a subdomain of it; the longest listed
 * match wins, so {@code mail.google.com} (email) beats {@code google.com} (search).
 */
public final class ReferrerClassifier {

  private final ReferrerList list;
  private final List<String> internalDomains;

  public ReferrerClassifier(ReferrerList list, List<String> internalDomains) {
    this.list = list;
    this.internalDomains = internalDomains;
  }

  public String listVersion() {
    return list.version();
  }

  /** Classifies a non-empty referrer. */
  public ReferrerInfo classify(String referrer) {
    String host = Urls.host(referrer);
    ReferrerInfo.Builder info = ReferrerInfo.newBuilder().setHost(host);
    if (host.isEmpty()) {
      return info.setReferrerClass(ReferrerClass.REFERRER_CLASS_UNKNOWN).build();
    }
    for (String domain : internalDomains) {
      if (matches(host, domain)) {
        return info.setReferrerClass(ReferrerClass.REFERRER_CLASS_INTERNAL).build();
      }
    }
    ReferrerList.Entry entry = lookup(host);
    if (entry == null) {
      return info.setReferrerClass(ReferrerClass.REFERRER_CLASS_UNKNOWN).build();
    }
    info.setReferrerClass(entry.referrerClass()).setName(entry.name());
    if (!entry.searchParameters().isEmpty()) {
      Map<String, String> found = Urls.queryParameters(referrer, entry.searchParameterSet());
      for (String parameter : entry.searchParameters()) {
        String term = found.get(parameter);
        if (term != null) {
          info.setSearchTerm(term);
          break;
        }
      }
    }
    return info.build();
  }

  private ReferrerList.Entry lookup(String host) {
    String candidate = host;
    while (true) {
      ReferrerList.Entry entry = list.hosts().get(candidate);
      if (entry != null) {
        return entry;
      }
      int dot = candidate.indexOf('.');
      if (dot < 0) {
        return null;
      }
      candidate = candidate.substring(dot + 1);
    }
  }

  private static boolean matches(String host, String domain) {
    return host.equals(domain)
        || host.length() > domain.length() && host.endsWith(domain)
            && host.charAt(host.length() - domain.length() - 1) == '.';
  }
}
