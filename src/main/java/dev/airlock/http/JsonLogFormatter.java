package dev.airlock.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.airlock.core.crypto.SecretShapes;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * {@code serve --log-format json}: one JSON object per line ({@code time}, {@code level}, {@code logger},
 * {@code message}, the request's fields when the line is about one ({@link RequestLogRecord}), and {@code error} and
 * {@code stack} when it carries an exception), for log shippers that index fields. Every string value is redacted
 * ({@link SecretShapes}) before it is encoded, so a secret never reaches the line in an escaped spelling the
 * line-level redaction ({@link LogRedaction}, which wraps this formatter too) would not recognise; JSON escaping also
 * makes a newline in caller text harmless (no forged lines).
 */
final class JsonLogFormatter extends Formatter {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public String format(LogRecord record) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", record.getInstant().toString());
            g.writeStringField("level", record.getLevel().getName());
            string(g, "logger", record.getLoggerName());
            string(g, "message", formatMessage(record));
            if (record instanceof RequestLogRecord r) {
                string(g, "method", r.method);
                string(g, "path", r.path);
                if (r.status != null) g.writeNumberField("status", r.status);
                string(g, "incident", r.incident);
                string(g, "provider", r.provider);
            }
            Throwable t = record.getThrown();
            if (t != null) {
                string(g, "error", t.toString());
                StringWriter stack = new StringWriter();
                t.printStackTrace(new PrintWriter(stack));
                string(g, "stack", stack.toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.append('\n').toString();
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) g.writeStringField(name, SecretShapes.redact(value));
    }
}
