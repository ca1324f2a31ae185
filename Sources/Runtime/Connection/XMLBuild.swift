import Schema

/// A terse way to build documents the drivers print (capabilities, domain capabilities):
/// elements as values, escaped by `XMLWriter`, never by string pasting.
func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ children: [XMLElement] = []) -> XMLElement {
    XMLElement(name, attributes: attributes.map { XMLAttribute($0.key, $0.value) }, children: children.map { .element($0) })
}

func el(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], text: String) -> XMLElement {
    XMLElement(name, attributes: attributes.map { XMLAttribute($0.key, $0.value) }, children: [.text(text)])
}
