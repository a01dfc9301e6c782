package dev.airlock.http;

import java.util.logging.Handler;
import java.util.logging.Logger;

/** How {@code serve} writes its log: the JDK's text lines (the default) or JSON lines; redacted either way. */
public final class ServerLogs {
    public enum Format { TEXT, JSON }

    private ServerLogs() {}

    /** Sets every root handler's format, then wraps it in the redaction ({@link LogRedaction}). */
    public static synchronized void configure(Format format) {
        for (Handler h : Logger.getLogger("").getHandlers()) {
            switch (format) {
                case JSON -> h.setFormatter(new JsonLogFormatter());
                case TEXT -> { } // the handler's own formatter (java.util.logging.SimpleFormatter by default)
            }
        }
        LogRedaction.install();
    }
}
