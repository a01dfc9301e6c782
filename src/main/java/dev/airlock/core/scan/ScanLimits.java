package dev.airlock.core.scan;

/**
 * Every bound of one scan. What a limit stops is reported ({@link ScanNote}, {@link ScanResult#truncated()}), never
 * passed over in silence: a scan that gates CI must not say "clean" about files it did not read.
 *
 * @param maxDepth         folders below the root that are entered
 * @param maxFiles         regular files looked at; the scan stops there
 * @param maxFileBytes     a larger file is not read (a note says so): credentials live in small files, and a
 *                         multi-megabyte file is a dump, a log or a binary asset
 * @param maxTotalBytes    bytes read over the whole scan; the scan stops there
 * @param includeBuildDirs also enter {@link CredentialScanner#BUILD_DIRS} and {@code .git/objects}
 */
public record ScanLimits(int maxDepth, int maxFiles, long maxFileBytes, long maxTotalBytes, boolean includeBuildDirs) {
    public static final ScanLimits DEFAULT = new ScanLimits(32, 20_000, 1024 * 1024, 512L * 1024 * 1024, false);
    /**
     * For {@code airlock env}: a glance at the working tree before an agent starts, bounded to stay within tens of
     * milliseconds on a usual project; {@code airlock scan} is the full look.
     */
    public static final ScanLimits QUICK = new ScanLimits(4, 500, 256 * 1024, 8L * 1024 * 1024, false);

    public ScanLimits {
        if (maxDepth < 1 || maxFiles < 1 || maxFileBytes < 1 || maxTotalBytes < 1) {
            throw new IllegalArgumentException("scan limits must be positive");
        }
    }

    public ScanLimits withMaxFiles(int n) {
        return new ScanLimits(maxDepth, n, maxFileBytes, maxTotalBytes, includeBuildDirs);
    }

    public ScanLimits withBuildDirs(boolean include) {
        return new ScanLimits(maxDepth, maxFiles, maxFileBytes, maxTotalBytes, include);
    }
}
