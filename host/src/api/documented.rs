//! What the served OpenAPI document says of every operation beyond its own
//! annotation: the refusals that the extractors and layers give on any
//! route, in the shape they are given.
//!
//! - An operation that reads a query string, a body or a number in its path
//!   answers 422 when it cannot read them: the JSON error shape on the API,
//!   a page saying what was wrong on a page route.
//! - On page routes (every path outside `/api/`), a refusal is a page: each
//!   documented error answer may come as HTML.

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder, Schema};

const UNREADABLE: &str =
    "The request could not be read: a parameter or the body is malformed or out of range";

/// Completes every operation of `doc` as above.
pub fn add_common_refusals(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let page = !path.starts_with("/api/");
        for operation in operations(item) {
            if reads_input(operation) {
                operation
                    .responses
                    .responses
                    .entry("422".to_string())
                    .or_insert_with(|| RefOr::T(refusal(page)));
            }
            if page {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let error = status.parse::<u16>().is_ok_and(|s| s >= 400);
                    if let (true, RefOr::T(response)) = (error, response) {
                        response
                            .content
                            .entry("text/html".to_string())
                            .or_insert_with(|| RefOr::T(html()));
                    }
                }
            }
        }
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
        &mut item.head,
        &mut item.options,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// Whether the operation parses anything a client sends: a query string,
/// a body, or a path parameter that is not plain text.
fn reads_input(operation: &Operation) -> bool {
    let parsed = |p: &RefOr<utoipa::openapi::path::Parameter>| match p {
        RefOr::T(p) => match p.parameter_in {
            ParameterIn::Query => true,
            ParameterIn::Path => !p.schema.as_ref().is_some_and(is_text),
            _ => false,
        },
        RefOr::Ref(_) => true,
    };
    operation.request_body.is_some()
        || operation
            .parameters
            .as_ref()
            .is_some_and(|ps| ps.iter().any(parsed))
}

fn is_text(schema: &RefOr<Schema>) -> bool {
    serde_json::to_value(schema).is_ok_and(|v| v["type"] == "string")
}

fn refusal(page: bool) -> utoipa::openapi::Response {
    let answer = ResponseBuilder::new().description(UNREADABLE);
    if page {
        answer.content("text/html", html()).build()
    } else {
        let shape = Content::new(Some(Ref::from_schema_name("ErrorBody")));
        answer.content("application/json", shape).build()
    }
}

fn html() -> Content {
    Content::new(None::<RefOr<Schema>>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, PathsBuilder};
    use utoipa::openapi::{ObjectBuilder, OpenApiBuilder, PathItem, Type};

    fn parameter(name: &str, place: ParameterIn, of: Type) -> utoipa::openapi::path::Parameter {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(place)
            .schema(Some(ObjectBuilder::new().schema_type(of)))
            .build()
    }

    fn doc_of(path: &str, operation: Operation) -> OpenApi {
        OpenApiBuilder::new()
            .paths(PathsBuilder::new().path(path, PathItem::new(HttpMethod::Get, operation)))
            .build()
    }

    fn statuses(doc: &OpenApi, path: &str) -> Vec<(String, Vec<String>)> {
        let op = doc.paths.paths[path].get.as_ref().unwrap();
        op.responses
            .responses
            .iter()
            .map(|(status, r)| match r {
                RefOr::T(r) => (status.clone(), r.content.keys().cloned().collect()),
                RefOr::Ref(_) => (status.clone(), vec![]),
            })
            .collect()
    }

    #[test]
    fn a_query_or_a_number_in_the_path_may_be_refused_as_unreadable() {
        let not_found = ResponseBuilder::new()
            .description("none")
            .content(
                "application/json",
                Content::new(Some(Ref::from_schema_name("ErrorBody"))),
            )
            .build();
        let with_query = OperationBuilder::new()
            .parameter(parameter("limit", ParameterIn::Query, Type::Integer))
            .response("404", not_found.clone())
            .build();
        let plain = OperationBuilder::new()
            .parameter(parameter("id", ParameterIn::Path, Type::String))
            .response("404", not_found.clone())
            .build();
        let numbered = OperationBuilder::new()
            .parameter(parameter("version", ParameterIn::Path, Type::Integer))
            .build();
        let mut api = doc_of("/api/v1/things", with_query);
        add_common_refusals(&mut api);
        assert_eq!(
            statuses(&api, "/api/v1/things"),
            [
                ("404".to_string(), vec!["application/json".to_string()]),
                ("422".to_string(), vec!["application/json".to_string()])
            ]
        );
        let mut api = doc_of("/api/v1/things/{id}", plain.clone());
        add_common_refusals(&mut api);
        assert_eq!(
            statuses(&api, "/api/v1/things/{id}").len(),
            1,
            "nothing to parse"
        );
        let mut page = doc_of("/things/{id}", plain);
        add_common_refusals(&mut page);
        assert_eq!(
            statuses(&page, "/things/{id}"),
            [(
                "404".to_string(),
                vec!["application/json".to_string(), "text/html".to_string()]
            )],
            "a page's refusal is a page"
        );
        let mut page = doc_of("/things/{version}", numbered);
        add_common_refusals(&mut page);
        assert_eq!(
            statuses(&page, "/things/{version}"),
            [("422".to_string(), vec!["text/html".to_string()])]
        );
    }
}
