package dev.airlock.http;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A log line about one request, carrying the request's fields as values so that {@code --log-format json} writes
 * them as fields ({@code method}, {@code path}, {@code status}, {@code incident}, {@code provider}) while the text
 * format shows the message alone, as before. A subclass rather than {@link LogRecord#setParameters}: parameters make
 * the text formatter read the message as a {@link java.text.MessageFormat} pattern, and the message quotes a path a
 * caller chose. The path is made log-safe here ({@link LogSafe}); every formatted line is redacted again anyway.
 */
final class RequestLogRecord extends LogRecord {
    private static final long serialVersionUID = 1L;

    final String method;
    final String path;
    final Integer status;
    final String incident;
    final String provider;

    private RequestLogRecord(Level level, String message, String method, String path, Integer status, String incident,
                             String provider) {
        super(level, message);
        this.method = method == null ? null : LogSafe.path(method);
        this.path = path == null ? null : LogSafe.path(path);
        this.status = status;
        this.incident = incident;
        this.provider = provider;
    }

    /** Logs {@code message} about the request {@code method path}, with what is known of its outcome. */
    static void log(Logger logger, Level level, String message, Throwable thrown, String method, String path,
                    Integer status, String incident, String provider) {
        if (!logger.isLoggable(level)) return;
        RequestLogRecord r = new RequestLogRecord(level, message, method, path, status, incident, provider);
        r.setLoggerName(logger.getName());
        r.setThrown(thrown);
        logger.log(r);
    }
}
