import Schema

/// The Hyper-V enlightenments QEMU takes as plain `-cpu` switches (`hv-relaxed`,
/// `hv_vapic`…), named once so the builder and the parser cannot drift apart.
enum HypervSwitches {
    static let all: [(name: String, field: any WritableKeyPath<HypervFeatures, FeatureSwitch?> & Sendable)] = [
        ("relaxed", \.relaxed), ("vapic", \.vapic), ("vpindex", \.vpindex), ("runtime", \.runtime),
        ("synic", \.synic), ("reset", \.reset), ("frequencies", \.frequencies),
        ("reenlightenment", \.reenlightenment), ("ipi", \.ipi), ("evmcs", \.evmcs),
    ]
}
