//! Generates the client of the example service from its checked-in catalog.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    wamp_codegen::Builder::new()
        .catalog("../../../examples/snapshots/math_service.catalog.json")
        .compile()?;
    Ok(())
}
