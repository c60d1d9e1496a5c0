/// The per-user Subsonic password: a separate secret the server generates, never the account's
/// password, sealed at rest with the server key (`SecretBox`).
///
/// Why separate: Subsonic's token check is `t = md5(password + salt)`, so the server must hold
/// the password itself, readable; the account password is stored only as an Argon2id hash and
/// must stay that way. And a captured request (plain HTTP on the LAN, a proxy log) gives
/// anyone `t` and `s`, from which MD5 guesses at a billion per second on one GPU recover any
/// password a person would choose — so whatever Subsonic apps use must not be a password the
/// user also uses elsewhere, or one they chose at all.
///
/// Why generated: 20 characters from a 32-letter alphabet are 100 random bits; at 10^10 MD5
/// guesses a second that is over 10^12 years. The alphabet leaves out 0/o and 1/l, and the
/// groups of four are for typing it into a phone.
public enum SubsonicPassword {
    /// The `SecretBox` purpose for `ServerKey.secretBox(purpose:)`.
    public static let sealingPurpose = "subsonic-password"

    static let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789".utf8)
    static let groupCount = 5
    static let groupLength = 4

    /// A new password such as `k7wd-3mpa-x9fe-tq2h-n4rc`.
    public static func generate() -> String {
        // 32 letters: the low five bits of a random byte pick one uniformly (256 = 8 × 32).
        let letters = RandomBytes.generate(groupCount * groupLength).map { alphabet[Int($0 & 31)] }
        var text = [UInt8]()
        for (index, letter) in letters.enumerated() {
            if index > 0 && index % groupLength == 0 { text.append(UInt8(ascii: "-")) }
            text.append(letter)
        }
        return String(decoding: text, as: UTF8.self)
    }
}
