package dev.airlock.http;

import dev.airlock.core.crypto.SecretShapes;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Every server log line, whoever writes it (our handlers, Vert.x, an exception's message or stack trace), is passed
 * through {@link SecretShapes#redact} as it is formatted: the formatter of each handler of the root logger is wrapped
 * once. Call sites that quote caller text still use {@link LogSafe}; this is the net under them, for text no call site
 * chose to log (an exception that quotes its input).
 */
public final class LogRedaction {
    private LogRedaction() {}

    /** Wraps every root handler's formatter that is not wrapped yet; idempotent. Handlers added later are not. */
    public static synchronized void install() {
        for (Handler h : Logger.getLogger("").getHandlers()) {
            Formatter f = h.getFormatter();
            if (!(f instanceof Redacting)) h.setFormatter(new Redacting(f != null ? f : new SimpleFormatter()));
        }
    }

    static final class Redacting extends Formatter {
        private final Formatter inner;

        Redacting(Formatter inner) {
            this.inner = inner;
        }

        @Override
        public String format(LogRecord record) {
            return SecretShapes.redact(inner.format(record));
        }

        @Override
        public String getHead(Handler h) {
            return inner.getHead(h);
        }

        @Override
        public String getTail(Handler h) {
            return inner.getTail(h);
        }
    }
}
