import Glibc

extension ProcessSpec {
    /// The environment of this process, as a starting point for a child's ``environment``.
    ///
    /// ```swift
    /// var environment = ProcessSpec.currentEnvironment()
    /// environment["PYTHONUNBUFFERED"] = "1"
    /// ```
    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        // `environ` is only safe to read while nobody calls setenv(); a service sets its
        // environment once at startup, which is the assumption every C library makes too.
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        guard var entry = start else { return result }
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let separator = pair.firstIndex(of: "=") {
                let key = String(pair[..<separator])
                // The first definition wins, as getenv() would see it.
                if result[key] == nil {
                    result[key] = String(pair[pair.index(after: separator)...])
                }
            }
            entry += 1
        }
        return result
    }
}
