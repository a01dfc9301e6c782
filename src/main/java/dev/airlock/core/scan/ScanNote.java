package dev.airlock.core.scan;

/**
 * Something the scan did not read, and why: a file too large, a symlink out of the tree, a folder beyond the depth
 * limit, a limit reached. Never any file content.
 *
 * @param path   relative to the scanned folder ({@code ~/...} for home locations)
 * @param reason what happened, in words
 */
public record ScanNote(String path, String reason) {}
