/// The version Spool reports in `/api/health` and `spool --version`.
public enum SpoolVersion {
    public static let current = "0.1.0"
}
