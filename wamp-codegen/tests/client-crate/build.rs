//! Generates the client of the example service from its checked-in catalog.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    wamp_codegen::Builder::new()
        .catalog("../../../examples/snapshots/math_service.catalog.json")
        // Shapes the math service does not have (compiled, not run).
        .catalog("api/features.catalog.json")
        .compile()?;
    Ok(())
}
