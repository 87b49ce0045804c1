/// Fuzz target: `JSONScanner.members(of:named:)` over arbitrary bytes, called as `RequestProbe` calls it.
///
/// Asserts, besides "no crash, no ASan report":
/// - scanner and Foundation agree on what is JSON, as `JSONScannerTests.malformed` does:
///   - scanner accepts (members or `.notAnObject`) ⇒ `JSONSerialization` (`.fragmentsAllowed`) accepts, and the
///     top level is an object exactly when the scanner returned members;
///   - Foundation accepts ⇒ the scanner accepts, except where the two knowingly differ: trailing commas
///     (refused by the scanner as RFC 8259 says; `JSONScannerTests.trailingCommas`), nesting past
///     `JSONScanner.maximumDepth` (`.tooDeep`) and input Foundation reads as UTF-16/32 or with a BOM;
/// - a string `model` and a `stream` boolean the scanner returns equal what Foundation decoded;
/// - the outcome does not depend on the keys asked for (the same input scanned with no keys fails or not alike).
/// Known divergences left out of the check: lone surrogate escapes (the scanner maps them to U+FFFD on
/// purpose), invalid UTF-8 inside strings (the scanner does not validate UTF-8), numbers outside `Double`'s
/// range (the scanner checks syntax only; Foundation says "Number … is not representable") and a raw U+FEFF
/// inside a string, which Foundation drops when it follows an escape (`"a\"\u{FEFF}b"` reads as `a"b`: it
/// decodes the string in pieces and strips each piece's leading BOM); the scanner keeps it, as RFC 8259 says.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONScanner(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let keys: JSONScanner.MemberNames = ["model", "stream"]

    let scanned: Result<[String: JSONScanner.Value], JSONScanner.Failure>
    do throws(JSONScanner.Failure) {
        scanned = .success(try JSONScanner.members(of: bytes, named: keys).dictionary)
    } catch {
        scanned = .failure(error)
    }
    let unkeyed: JSONScanner.Failure?
    do throws(JSONScanner.Failure) {
        _ = try JSONScanner.members(of: bytes, named: [])
        unkeyed = nil
    } catch {
        unkeyed = error
    }
    let keyedFailure: JSONScanner.Failure? = if case .failure(let failure) = scanned { failure } else { nil }
    guard keyedFailure == unkeyed else {
        fatalError("outcome depends on the keys asked for: \(String(describing: keyedFailure)) vs \(String(describing: unkeyed))")
    }

    let data = Data(bytes)
    let reference: Any?
    let referenceError: String?
    do {
        reference = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        referenceError = nil
    } catch {
        reference = nil
        referenceError = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
    }

    switch scanned {
    case .success(let members):
        guard let reference else {
            if knownScannerLeniency(bytes, referenceError) { return 0 }
            fatalError("scanner accepted an object Foundation refuses (\(referenceError ?? "")): \(hex(bytes))")
        }
        guard let object = reference as? [String: Any] else {
            fatalError("scanner read an object, Foundation a \(type(of: reference)): \(hex(bytes))")
        }
        if case .string(let model)? = members["model"], let expected = object["model"] as? String, !hasSurrogateEscape(bytes),
            !containsRawBOM(bytes)
        {
            guard model == expected else { fatalError("model \(model.debugDescription) != \(expected.debugDescription)") }
        }
        if case .bool(let stream)? = members["stream"] {
            guard let number = object["stream"] as? NSNumber, number.boolValue == stream else {
                fatalError("stream \(stream) != \(String(describing: object["stream"]))")
            }
        }
    case .failure(.notAnObject):
        guard let reference else {
            if knownScannerLeniency(bytes, referenceError) { return 0 }
            fatalError("scanner accepted a value Foundation refuses (\(referenceError ?? "")): \(hex(bytes))")
        }
        guard !(reference is [String: Any]) else { fatalError("scanner said not an object, Foundation read one: \(hex(bytes))") }
    case .failure(.tooDeep):
        break
    case .failure(.malformed):
        guard reference != nil else { return 0 }
        if hasTrailingComma(bytes) || notPlainUTF8(bytes) { return 0 }
        fatalError("Foundation accepted what the scanner calls malformed: \(hex(bytes))")
    }
    return 0
}

/// Inputs on which the scanner is lenient by design: it neither validates UTF-8 nor refuses lone surrogates,
/// and it checks a number's syntax only, while Foundation refuses one outside `Double`'s range (`1e999`).
func knownScannerLeniency(_ bytes: UnsafeRawBufferPointer, _ referenceError: String?) -> Bool {
    String(validating: bytes, as: UTF8.self) == nil || hasSurrogateEscape(bytes)
        || referenceError?.contains("is not representable") == true
}

/// `\uD800`–`\uDFFF` anywhere (valid pairs included; cheap and enough to skip the check).
func hasSurrogateEscape(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count >= 4 else { return false }
    for index in 0..<(bytes.count - 3) where bytes[index] == UInt8(ascii: "\\") && bytes[index + 1] == UInt8(ascii: "u")
        && (bytes[index + 2] | 0x20) == UInt8(ascii: "d")
    {
        if let third = Optional(bytes[index + 3] | 0x20), [UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"),
           UInt8(ascii: "b"), UInt8(ascii: "c"), UInt8(ascii: "d"), UInt8(ascii: "e"), UInt8(ascii: "f")].contains(third)
        {
            return true
        }
    }
    return false
}

/// The UTF-8 bytes of U+FEFF anywhere in the input.
func containsRawBOM(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count >= 3 else { return false }
    return (0..<(bytes.count - 2)).contains { bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBB && bytes[$0 + 2] == 0xBF }
}

/// Foundation sniffs UTF-16/32 (NUL bytes in the first four) and skips a UTF-8 BOM; the scanner reads UTF-8 only.
func notPlainUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.prefix(4).contains(0) || bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFE, 0xFF])
        || bytes.starts(with: [0xFF, 0xFE])
}

/// A `,` followed (after whitespace) by `]` or `}` outside strings.
func hasTrailingComma(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var inString = false
    var escaped = false
    var afterComma = false
    for byte in bytes {
        if inString {
            if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true; afterComma = false
        case UInt8(ascii: ","): afterComma = true
        case UInt8(ascii: "]"), UInt8(ascii: "}"): if afterComma { return true }
        case 0x20, 0x09, 0x0A, 0x0D: break
        default: afterComma = false
        }
    }
    return false
}

func hex(_ bytes: UnsafeRawBufferPointer) -> String {
    bytes.prefix(256).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
