package dev.airlock.http;

/** Every body limit in one place; the README's limits table is copied from here. */
public final class BodyLimits {
    /** OAuth form bodies: a client assertion (8 KiB) plus a few short parameters. */
    public static final int FORM = 16 * 1024;
    /** JSON bodies of /v1 endpoints. */
    public static final int JSON = 64 * 1024;
    /** One JSON-RPC message to Airlock's own MCP server ({@code POST /mcp}): a grant request is the largest. */
    public static final int MCP = 64 * 1024;
    public static final int TOKEN = 8192;
    public static final int ENVIRONMENT = 64;
    public static final int ACTION = 128;
    public static final int RESOURCE = 256;

    private BodyLimits() {}
}
