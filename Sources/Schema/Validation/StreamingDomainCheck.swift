import CLibXML2

/// Validates a large domain document as a stream, so time and memory grow with the largest
/// device rather than with the document: a tree of the whole document costs libxml2 about
/// 20× its size, and the plain grammar is quadratic in the number of devices.
///
/// libxml2's reader walks the document once. Everything but the ordinary devices (name,
/// memory, os, the singletons of `<devices>`: emulator, memballoon, …) is copied into a small
/// skeleton document that the plain domain grammar checks, so every rule that spans the
/// document (interleaves, at most one emulator) is the grammar's own. Ordinary devices are
/// copied into batches of `batchSize` under a `<devices>` element and checked with
/// `DeviceListGrammar`, then freed. Device order never matters to the grammar (`<devices>` is
/// an interleave), so moving the singletons apart from the rest changes no verdict. The
/// semantic checks (duplicate disk targets and MACs, boot devices) see each batch as a
/// `Devices` model and keep only what later devices are compared with.
///
/// Limits: an element other than `<devices>` is held whole (libvirt's other lists — vcpupin,
/// NUMA cells — are bounded by the host and stay small); messages about a misplaced device
/// name the batch's `<devices>`, at the line of the document's one.
struct StreamingDomainCheck {
    let domain: RelaxNGSchema
    let deviceList: RelaxNGSchema
    let singletons: Set<String>

    static let batchSize = 1_000

    /// The problems in `bytes` (empty: valid), or nil when the document is not one this
    /// check takes — not a domain, a DOCTYPE, not well-formed — and the caller should
    /// validate it whole, which says what is wrong in the usual words.
    func validate(_ bytes: [UInt8], fileName: String) -> [Diagnostic]? {
        guard !bytes.isEmpty, bytes.count < Int(Int32.max) else { return nil }
        libxmlInit
        return bytes.withUnsafeBufferPointer { buffer in
            // The reader reads the caller's buffer in place: it must not outlive this closure.
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { p in
                let options = Int32(
                    XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
                        | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOCDATA.rawValue)
                guard let reader = xmlReaderForMemory(p, Int32(buffer.count), fileName, nil, options) else { return nil }
                defer { xmlFreeTextReader(reader) }
                // Errors are read from the return codes; keep libxml2 off standard error.
                xmlTextReaderSetStructuredErrorHandler(reader, { _, _ in }, nil)
                var walk = Walk(check: self, fileName: fileName)
                return walk.run(reader)
            }
        }
    }

    /// One pass over one document.
    private struct Walk {
        let check: StreamingDomainCheck
        let fileName: String
        let skeleton: xmlDocPtr
        var root: xmlNodePtr?
        /// The skeleton's copy of `<devices>` (attributes, singletons and stray text only).
        var devices: xmlNodePtr?
        var devicesLine = 0
        var batch: xmlDocPtr?
        var batchCount = 0
        var problems: [Diagnostic] = []
        var semantics: SemanticChecks.DomainState

        init(check: StreamingDomainCheck, fileName: String) {
            self.check = check
            self.fileName = fileName
            skeleton = xmlNewDoc("1.0")!  // nil only when malloc fails
            semantics = SemanticChecks.DomainState(file: fileName)
        }

        mutating func run(_ reader: xmlTextReaderPtr) -> [Diagnostic]? {
            defer {
                xmlFreeDoc(skeleton)
                if let batch { xmlFreeDoc(batch) }
            }
            var inDevices = false
            var rc = xmlTextReaderRead(reader)
            while rc == 1 {
                let depth = xmlTextReaderDepth(reader)
                let type = xmlTextReaderNodeType(reader)
                guard let node = xmlTextReaderCurrentNode(reader) else { return nil }
                switch type {
                case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                    return nil  // refused by the whole-document parser, in its words
                case Int32(XML_READER_TYPE_ELEMENT.rawValue) where depth == 0:
                    guard Self.isPlain(node, named: "domain"), let copy = xmlDocCopyNode(node, skeleton, 2) else { return nil }
                    xmlDocSetRootElement(skeleton, copy)
                    root = copy
                case Int32(XML_READER_TYPE_ELEMENT.rawValue) where depth == 1 && Self.isPlain(node, named: "devices"):
                    guard let copy = xmlDocCopyNode(node, skeleton, 2) else { return nil }
                    xmlAddChild(root, copy)
                    devices = copy
                    devicesLine = Int(xmlGetLineNo(node))
                    inDevices = xmlTextReaderIsEmptyElement(reader) == 0
                case Int32(XML_READER_TYPE_ELEMENT.rawValue) where depth == 1 || (depth == 2 && inDevices):
                    guard let whole = xmlTextReaderExpand(reader) else { return nil }
                    let name = String(cString: whole.pointee.name)
                    if depth == 2 && whole.pointee.ns == nil && !check.singletons.contains(name) {
                        addToBatch(whole)
                    } else {
                        guard let copy = xmlDocCopyNode(whole, skeleton, 1) else { return nil }
                        xmlAddChild(depth == 1 ? root : devices, copy)
                    }
                    rc = xmlTextReaderNext(reader)  // past the subtree, freeing it
                    continue
                case Int32(XML_READER_TYPE_TEXT.rawValue) where depth == 1 || (depth == 2 && inDevices),
                    Int32(XML_READER_TYPE_CDATA.rawValue) where depth == 1 || (depth == 2 && inDevices):
                    // Text where only elements belong: the grammar will say so.
                    guard let copy = xmlDocCopyNode(node, skeleton, 1) else { return nil }
                    xmlAddChild(depth == 1 ? root : devices, copy)
                case Int32(XML_READER_TYPE_END_ELEMENT.rawValue) where depth == 1 && inDevices:
                    inDevices = false
                default:
                    break  // whitespace, comments and processing instructions carry nothing
                }
                rc = xmlTextReaderRead(reader)
            }
            guard rc == 0, let root else { return nil }  // not well-formed
            flushBatch()
            problems += check.domain.validate(doc: skeleton, fileName: fileName)
            if !problems.isEmpty { return problems.sorted { $0.line < $1.line } }
            let domain = Domain(element: XMLDocument.convert(root))
            semantics.add(domain.devices ?? Devices())
            return semantics.finish(boots: domain.os?.boots ?? [])
        }

        /// An element with this name and no namespace.
        static func isPlain(_ node: xmlNodePtr, named name: String) -> Bool {
            node.pointee.ns == nil && String(cString: node.pointee.name) == name
        }

        mutating func addToBatch(_ device: xmlNodePtr) {
            if batch == nil {
                guard let doc = xmlNewDoc("1.0"), let holder = xmlNewDocNode(doc, nil, "devices", nil) else { return }
                holder.pointee.line = UInt16(clamping: devicesLine)
                xmlDocSetRootElement(doc, holder)
                batch = doc
            }
            guard let batch, let copy = xmlDocCopyNode(device, batch, 1) else { return }
            xmlAddChild(xmlDocGetRootElement(batch), copy)
            batchCount += 1
            if batchCount == StreamingDomainCheck.batchSize { flushBatch() }
        }

        mutating func flushBatch() {
            guard let doc = batch else { return }
            defer {
                xmlFreeDoc(doc)
                batch = nil
                batchCount = 0
            }
            problems += check.deviceList.validate(doc: doc, fileName: fileName, rootLine: devicesLine)
            // Semantic checks only matter for a valid document; skip the work once it is not.
            if problems.isEmpty, let holder = xmlDocGetRootElement(doc) {
                semantics.add(Devices(element: XMLDocument.convert(holder)))
            }
        }
    }
}
