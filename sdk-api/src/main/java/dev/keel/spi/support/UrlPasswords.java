package dev.keel.spi.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The password parameters of a broker URL, found and masked as ActiveMQ's clients read them. Classic's client
 * percent-decodes the query and then each parameter's name and value again ({@code URI.getQuery}, then
 * {@code URLDecoder} in {@code URISupport.parseQuery}): {@code jms.passwor%64=}, {@code jms.passwor%2564=} and the
 * whole parameter encoded, {@code jms.password%3D...}, all set the password. So a URL holds a password parameter when
 * the URL, or any of its percent-decoded forms, has a name holding {@code password} (any case) before an {@code =}.
 * The client reads the value up to the next {@code &} or the end: a {@code ,} or {@code )} is part of it, and so
 * masked.
 *
 * <p>One rule for every place that shows such a URL (the JMS adapter's configs, the Spring Boot starter, the CLI),
 * so that none of them shows a password another one masks. Each place may choose what stands for a masked value
 * ({@link #mask(String, String)}).
 */
public final class UrlPasswords {

    /** What stands for a masked value unless the caller chooses another. */
    public static final String MASK = "****";

    /**
     * A URI's user info, group 1: anything from its {@code ://} to the first {@code @}, not across another
     * {@code ://} ({@code tcp://user:pa,ss/w(rd@host}). A password may hold any of {@code / ? # , ( )}.
     */
    private static final Pattern USER_INFO = Pattern.compile("://((?:(?!://)[^@])*)@");
    /** Within a would-be user info, a query's {@code ?name=}: the {@code @} is in a query value, not before a host. */
    private static final Pattern QUERY_VALUE = Pattern.compile("\\?[^=]*=");
    /** A leading {@code scheme://}, or a mistyped {@code scheme//} or {@code scheme:/}. */
    private static final Pattern LEADING_SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*(://|//|:/)");

    /** A name holding {@code password}, as group 1, before its {@code =}. */
    private static final Pattern PASSWORD_NAME = Pattern.compile("(?i)([^?&,()=]*password[^?&,()=]*)=");
    /** A name that can be quoted: it holds no escape, and so nothing of a value. */
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    /** Where a parameter can start within a part between two {@code &}. */
    private static final String STARTS = "?,()";

    private UrlPasswords() {
    }

    /**
     * The first password parameter of the URL in any of its decoded forms, said as {@code the parameter jms.password}
     * (its decoded name) or, when that name is not plain, without it. The text never holds any of the value.
     *
     * @param url a broker URL
     * @return the password parameter found, in words; empty when there is none
     */
    public static Optional<String> find(String url) {
        String unnamed = null;
        for (String form : decodedForms(url)) {
            Matcher name = PASSWORD_NAME.matcher(form);
            while (name.find()) {
                if (PLAIN_NAME.matcher(name.group(1)).matches()) {
                    return Optional.of("the parameter " + name.group(1));
                }
                unnamed = "a parameter whose name holds 'password'";
            }
        }
        return Optional.ofNullable(unnamed);
    }

    /**
     * The URL with each password parameter's value masked with {@link #MASK}, as {@link #mask(String, String)} does.
     *
     * @param url a broker URL, or {@code null}
     * @return the URL masked, or {@code null} for {@code null}
     */
    public static String mask(String url) {
        return mask(url, MASK);
    }

    /**
     * The URL with each password parameter's value masked up to the next {@code &} or the end, as the client reads
     * it, and the password of each URI's user info; the parameter's name stays when it is plain, or is masked with the
     * value. The rest of the URL stays as written.
     *
     * @param url  a broker URL, or {@code null}
     * @param mask what stands for each masked value, such as {@link #MASK}
     * @return the URL masked, or {@code null} for {@code null}
     */
    public static String mask(String url, String mask) {
        Objects.requireNonNull(mask, "mask");
        if (url == null) {
            return null;
        }
        StringJoiner masked = new StringJoiner("&");
        String withoutUserPasswords = maskUserPasswords(url, mask);
        for (String part : withoutUserPasswords.split("&", -1)) {
            masked.add(maskPart(part, mask));
        }
        return masked.toString();
    }

    /**
     * The URL with the value of every query parameter masked with {@link #MASK}, as
     * {@link #maskValues(String, String)} does.
     *
     * @param url a broker URL, or {@code null}
     * @return the URL masked, or {@code null} for {@code null}
     */
    public static String maskValues(String url) {
        return maskValues(url, MASK);
    }

    /**
     * The URL as {@link #mask(String, String)} masks it, and then the value of every query parameter (after the first
     * {@code ?}) masked up to the next {@code &} or the end, whatever its name: a password under a misspelled or
     * look-alike name ({@code jms.pasword=}, {@code jms.pa%C5%BFsword=}) is no password parameter, yet a password. A
     * name stays when it is plain, else it is masked with its value; a part without {@code =} stays unless it is
     * percent-encoded (it may hide {@code name%3Dvalue}). For URLs whose every value may be secret, such as ActiveMQ
     * Classic's, whose client echoes the parameters it does not accept.
     *
     * @param url  a broker URL, or {@code null}
     * @param mask what stands for each masked value, such as {@link #MASK}
     * @return the URL masked, or {@code null} for {@code null}
     */
    public static String maskValues(String url, String mask) {
        String masked = mask(url, mask);
        if (masked == null || masked.indexOf('?') < 0) {
            return masked;
        }
        int query = masked.indexOf('?');
        StringJoiner parts = new StringJoiner("&");
        for (String part : masked.substring(query + 1).split("&", -1)) {
            int equals = part.indexOf('=');
            if (equals < 0) {
                parts.add(part.equals(mask) || decodedForms(part).size() == 1 ? part : mask);
            } else {
                String name = part.substring(0, equals);
                parts.add((PLAIN_NAME.matcher(name).matches() ? name : mask) + "=" + mask);
            }
        }
        return masked.substring(0, query + 1) + parts;
    }

    /**
     * The URL, then each percent-decoded form of it until decoding changes nothing (each change shortens it).
     * Decoding is UTF-8, as the client's; a {@code %} that starts no escape stays.
     *
     * @param url a broker URL
     * @return the URL and its decoded forms, the URL first, each different from the one before
     */
    public static List<String> decodedForms(String url) {
        List<String> forms = new ArrayList<>();
        String form = url;
        while (forms.isEmpty() || !form.equals(forms.get(forms.size() - 1))) {
            forms.add(form);
            form = decode(form);
        }
        return forms;
    }

    /**
     * Whether the URL, or any of its percent-decoded forms, holds user info before a host: text between a {@code ://}
     * and the first {@code @} after it, before the next {@code ://} (the next URI of a list), whatever that text holds
     * ({@code tcp://user:pa,ss/wo(rd@host}); an {@code @} in a query value ({@code ?clientID=orders@eu}) is none.
     *
     * @param url a broker URL
     * @return whether it holds user info
     */
    public static boolean holdsUserInfo(String url) {
        return decodedForms(url).stream().anyMatch(form -> userInfos(form).findAny().isPresent());
    }

    /**
     * A value that failed to parse as a URI or address, as a message may show it whatever its shape (a mistyped or
     * missing scheme, {@code redis//user:password@host}, {@code user:password@host}): everything before its last
     * {@code @} masked back to a leading {@code scheme://} or {@code scheme//}, then as {@link #maskValues(String)}
     * (every query value, any password parameter). Such a value is never quoted whole.
     *
     * @param value the refused value, or {@code null}
     * @return it masked, or {@code null} for {@code null}
     */
    public static String maskRefused(String value) {
        if (value == null) {
            return null;
        }
        String shown = value;
        int at = shown.lastIndexOf('@');
        if (at >= 0) {
            Matcher scheme = LEADING_SCHEME.matcher(shown);
            int from = scheme.lookingAt() && scheme.end() <= at ? scheme.end() : 0;
            shown = shown.substring(0, from) + MASK + shown.substring(at);
        }
        return maskValues(shown);
    }

    /**
     * Refuses a host, address or name-server setting holding user info ({@code something@} before a host): credentials
     * have settings of their own, and such a value would be shown wherever the address is. The message says where
     * credentials go and does not quote the value, so that no part of a password is.
     *
     * @param setting            the setting's name, such as {@code nameServer}
     * @param value              its value, or {@code null}
     * @param whereCredentialsGo what to do instead, such as {@code give them with credentials(user, password)}
     * @return the value
     * @throws IllegalArgumentException when it holds an {@code @}
     */
    public static String requireNoUserInfo(String setting, String value, String whereCredentialsGo) {
        if (value != null && value.indexOf('@') >= 0) {
            throw new IllegalArgumentException(setting + " holds user info (something@ before a host): credentials do "
                    + "not go in " + setting + ", which takes host names and ports only; " + whereCredentialsGo
                    + ". The value is not shown, so that no part of a password is");
        }
        return value;
    }

    /**
     * {@code text} (a message, a log line) with each whole user info masked with {@link #MASK}: from a {@code ://} to
     * the first {@code @} after it, not across another {@code ://}, the user as well as the password
     * ({@code https://client-id:secret@host} reads {@code https://****@host}). Unlike {@link #mask(String)}, an
     * {@code @} after a query's {@code ?name=} counts too: in free text, masking more is the safe side.
     *
     * @param text any text, or {@code null}
     * @return it masked, or {@code null} for {@code null}
     */
    public static String maskUserInfo(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("://" + Matcher.quoteReplacement(MASK) + "@");
    }

    /** Each user info of the text (the text between a {@code ://} and its {@code @}), as a match of group 1. */
    private static java.util.stream.Stream<MatchResult> userInfos(String text) {
        return USER_INFO.matcher(text).results().filter(m -> !QUERY_VALUE.matcher(m.group(1)).find());
    }

    /** Each user info's password (after its first {@code :}) masked; a user alone stays. */
    private static String maskUserPasswords(String url, String mask) {
        StringBuilder out = new StringBuilder(url.length());
        int done = 0;
        for (MatchResult info : (Iterable<MatchResult>) userInfos(url)::iterator) {
            int colon = info.group(1).indexOf(':');
            if (colon >= 0) {
                out.append(url, done, info.start(1) + colon + 1).append(mask).append('@');
                done = info.end();
            }
        }
        return out.append(url, done, url.length()).toString();
    }

    /** A part between two {@code &}: from its first password parameter on, masked. */
    private static String maskPart(String part, String mask) {
        int start = 0;
        while (true) {
            int end = start;
            while (end < part.length() && STARTS.indexOf(part.charAt(end)) < 0) {
                end++;
            }
            String token = part.substring(start, end);
            if (decodedForms(token).stream().anyMatch(form -> PASSWORD_NAME.matcher(form).find())) {
                int equals = token.indexOf('=');
                String name = equals < 0 ? "" : token.substring(0, equals);
                return part.substring(0, start) + (PLAIN_NAME.matcher(name).matches() ? name + "=" : "") + mask;
            }
            if (end == part.length()) {
                return part;
            }
            start = end + 1;
        }
    }

    /** One round of percent-decoding, UTF-8 as the client's; a {@code %} that starts no escape stays. */
    private static String decode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            int high = i + 2 < text.length() && text.charAt(i) == '%' ? Character.digit(text.charAt(i + 1), 16) : -1;
            int low = high < 0 ? -1 : Character.digit(text.charAt(i + 2), 16);
            if (low >= 0) {
                bytes.write(high * 16 + low);
                i += 2;
                continue;
            }
            out.append(bytes.toString(StandardCharsets.UTF_8));
            bytes.reset();
            out.append(text.charAt(i));
        }
        return out.append(bytes.toString(StandardCharsets.UTF_8)).toString();
    }
}
