package dev.airlock.core.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The checks every proxied request passes before any rule is looked at, whatever the provider's kind: a standard
 * method, no method-override header, and a path that means one thing only. Each refuses rather than guesses,
 * because the upstream's HTTP stack, not ours, decides what the request finally does: wherever two stacks could
 * read a request differently, the request is refused.
 */
final class RequestChecks {
    /** RFC 9110 §9.3 methods a provider API uses; TRACE and CONNECT are never proxied. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    /**
     * Headers that frameworks (Rails, Laravel, Spring's HiddenHttpMethodFilter, ASP.NET, Google APIs) obey to
     * turn a POST into a DELETE after we have mapped it as a POST.
     */
    static final List<String> OVERRIDE_HEADERS = List.of("x-http-method-override", "x-http-method", "x-method-override");

    private RequestChecks() {}

    /** Method, override headers and content type; then the canonical path segments. */
    static List<String> check(ProxyRequest request) throws Refusal {
        String method = request.method();
        if (!METHODS.contains(method)) {
            String hint = METHODS.contains(method.toUpperCase(Locale.ROOT))
                    ? " (methods are case-sensitive, RFC 9110 §9.1: send " + method.toUpperCase(Locale.ROOT) + ")" : "";
            throw new Refusal(MappingResult.BAD_METHOD, "method '" + printable(method) + "' is not proxied" + hint);
        }
        for (String h : OVERRIDE_HEADERS) {
            if (!request.header(h).isEmpty()) {
                throw new Refusal(MappingResult.METHOD_OVERRIDE, "header " + h + " is refused: the upstream could run"
                        + " another method than the one checked; send the real method instead");
            }
        }
        List<String> types = request.header("content-type");
        if (types.size() > 1 || (types.size() == 1 && request.contentType() != null
                && !types.get(0).equals(request.contentType()))) {
            throw new Refusal(MappingResult.BAD_REQUEST, "more than one Content-Type");
        }
        return segments(request.rawPath());
    }

    /**
     * The path's segments, each percent-decoded exactly once. Refused: a path not starting with '/', empty
     * segments ({@code //}, a trailing '/'), '.' and '..' segments, encoded '/', '\', '.', '%' (double
     * encoding), ';' (servlet containers strip {@code ;params}, so {@code vol-1;x} would be two ids), control
     * and non-ASCII characters (Unicode look-alikes that some stacks normalise into '/' or '.'), and malformed
     * escapes.
     */
    static List<String> segments(String rawPath) throws Refusal {
        String path = rawPath.isEmpty() ? "/" : rawPath;
        if (path.charAt(0) != '/') throw badPath("the path must start with '/'");
        if (path.equals("/")) return List.of();
        List<String> out = new ArrayList<>();
        String[] raw = path.substring(1).split("/", -1);
        for (String segment : raw) {
            if (segment.isEmpty()) throw badPath("empty path segment ('//' or a trailing '/')");
            if (segment.equals(".") || segment.equals("..")) throw badPath("'.' and '..' segments are refused");
            out.add(decodeSegment(segment));
        }
        return out;
    }

    private static String decodeSegment(String segment) throws Refusal {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                int value = escape(segment, i);
                if (value < 0) throw badPath("malformed percent-encoding");
                switch (value) {
                    case '/' -> throw badPath("encoded '/' (%2F) is refused");
                    case '.' -> throw badPath("encoded '.' (%2E) is refused");
                    case '\\' -> throw badPath("encoded '\\' (%5C) is refused");
                    case '%' -> throw badPath("encoded '%' (%25, double encoding) is refused");
                    case ';' -> throw badPath("encoded ';' (%3B) is refused");
                    case 0 -> throw badPath("NUL (%00) is refused");
                    default -> { }
                }
                bytes.write(value);
                i += 2;
            } else if (c == '\\') {
                throw badPath("'\\' is refused (some servers read it as '/')");
            } else if (c == ';') {
                throw badPath("';' is refused (servlet containers strip ;parameters from segments)");
            } else if (!PCHAR.get(c)) {
                throw badPath("character " + describe(c) + " must be percent-encoded or is not allowed");
            } else {
                bytes.write(c);
            }
        }
        String decoded = ascii(bytes.toByteArray());
        if (decoded == null) throw badPath("decoded path is not printable ASCII");
        return decoded;
    }

    /** The byte a {@code %XX} at {@code i} stands for, or -1 if malformed. */
    static int escape(String s, int i) {
        if (i + 2 >= s.length()) return -1;
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) return -1;
        return hi * 16 + lo;
    }

    /** The bytes as a string if every one is printable ASCII (0x21 to 0x7E), else null. */
    static String ascii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0x21 || b > 0x7E) return null;
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** Strict UTF-8, for bodies: a malformed byte is an error, not a replacement character. */
    static String utf8(byte[] bytes) throws Refusal {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Refusal(MappingResult.BAD_REQUEST, "not valid UTF-8");
        }
    }

    /** A value safe to quote in a refusal: printable ASCII, at most 64 characters. */
    static String printable(String s) {
        return printable(s, 64);
    }

    /** At most {@code max} characters, anything not printable ASCII (newlines: log injection) shown as '?'. */
    static String printable(String s, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < max; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return s.length() > max ? out + "..." : out.toString();
    }

    private static String describe(char c) {
        return c >= 0x21 && c < 0x7F ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private static Refusal badPath(String reason) {
        return new Refusal(MappingResult.BAD_PATH, reason);
    }

    /** RFC 3986 §3.3 pchar minus '%' (handled as an escape) and ';' (refused): unreserved, sub-delims, ':', '@'. */
    private static final BitSet PCHAR = new BitSet(128);

    static {
        for (char c = 'a'; c <= 'z'; c++) PCHAR.set(c);
        for (char c = 'A'; c <= 'Z'; c++) PCHAR.set(c);
        for (char c = '0'; c <= '9'; c++) PCHAR.set(c);
        for (char c : "-._~!$&'()*+,=:@".toCharArray()) PCHAR.set(c);
    }
}
