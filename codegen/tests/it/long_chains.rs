//! Long chains of schemas, each referring to the next: `$ref` aliases,
//! one-member `allOf`s, `oneOf`s, required fields, array items. Real specs
//! nest a few levels deep, but a generated or hostile spec can chain
//! thousands, and the generator must stay linear and must not recurse
//! along the chain: before this test, a 1,600-long alias chain took 11 s
//! (a cubic cycle check) and a 30,000-long one overflowed the stack.
//!
//! Each case runs on a thread with a 1 MiB stack, half of what a test
//! thread gets, so that a recursion along the chain fails here rather than
//! in a user's build.

const LENGTH: usize = 3000;

fn chain(member: impl Fn(usize) -> String) -> String {
    let mut spec = String::from(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n",
    );
    for i in 0..LENGTH {
        let next = format!("'#/components/schemas/S{}'", i + 1);
        spec.push_str(&format!("    S{i}: {}\n", member(i).replace("NEXT", &next)));
    }
    spec.push_str(&format!(
        "    S{LENGTH}: {{type: object, properties: {{z: {{type: string}}}}}}\n"
    ));
    spec
}

fn generate_on_small_stack(spec: String) -> Result<codegen::Output, Vec<codegen::Diagnostic>> {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || codegen::generate("chain.yaml", &spec))
        .expect("spawn a thread")
        .join()
        .expect("generation neither panics nor overflows its stack")
}

fn assert_generates(spec: String, types: usize) {
    match generate_on_small_stack(spec) {
        Ok(out) => {
            assert!(out.warnings.is_empty(), "{:?}", out.warnings);
            assert_eq!(out.stats.types, types);
        }
        Err(diags) => panic!("{:?}", &diags[..diags.len().min(3)]),
    }
}

#[test]
fn ref_aliases() {
    assert_generates(chain(|_| "{$ref: NEXT}".into()), LENGTH + 1);
}

#[test]
fn one_member_all_of() {
    assert_generates(chain(|_| "{allOf: [{$ref: NEXT}]}".into()), LENGTH + 1);
}

#[test]
fn one_of_unions() {
    assert_generates(
        chain(|_| "{oneOf: [{$ref: NEXT}, {type: string}]}".into()),
        LENGTH + 1,
    );
}

#[test]
fn required_fields() {
    let out = generate_on_small_stack(chain(|_| {
        "{type: object, required: [x], properties: {x: {$ref: NEXT}}}".into()
    }))
    .expect("generates");
    assert_eq!(out.stats.types, LENGTH + 1);
    // Every struct's `new` takes its one required field (the next struct);
    // only the last, which requires nothing, has `Default`.
    let models = out
        .files
        .iter()
        .find(|f| f.path.ends_with("models.rs"))
        .expect("models.rs");
    let takes_x = models.contents.matches("pub fn new(x: impl").count();
    assert_eq!(takes_x, LENGTH, "every struct but the last takes `x`");
    let defaults = models
        .contents
        .matches("impl ::std::default::Default for")
        .count();
    assert_eq!(defaults, 1, "only the last struct has Default");
}

#[test]
fn array_items() {
    assert_generates(
        chain(|_| "{type: array, items: {$ref: NEXT}}".into()),
        LENGTH + 1,
    );
}

#[test]
fn all_of_chains_stop_at_the_depth_limit_with_one_error_each() {
    let spec = chain(|i| {
        format!(
            "{{allOf: [{{$ref: NEXT}}, {{type: object, properties: {{p{i}: {{type: string}}}}}}]}}"
        )
    });
    let diags = generate_on_small_stack(spec).expect_err("too deep");
    assert!(diags.iter().all(|d| {
        d.is_error()
            && d.to_string()
                .contains("`allOf` members nest deeper than 64 levels")
    }));
    // S(i) merges S(i+1) … S(LENGTH): the first 65 levels are merged and
    // the one below them is too deep, so S0 … S(LENGTH-66) fail, one error
    // each, and the 65 schemas nearest the end generate.
    assert_eq!(diags.len(), LENGTH - 65);
}
