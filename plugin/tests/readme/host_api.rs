use tauri::{AppHandle, Runtime};
use tauri_plugin_gatehouse::{FetchRequest, GatehouseExt};

/// The person's orders, from the orders API whose `url` in `plugins.gatehouse.apis` is `api`.
/// Gatehouse adds the API's token with its scheme (Bearer, or DPoP with a proof made for this
/// call), renewed first when it is no longer fresh; the token never leaves it.
pub async fn orders<R: Runtime>(app: &AppHandle<R>, api: &str) -> Result<String, String> {
    let answer = app
        .gatehouse()
        .fetch(FetchRequest::get(format!("{api}/orders")))
        .await
        .map_err(|e| e.to_string())?;
    Ok(answer.body)
}

/// The same call with an HTTP client of the app's own: the token with the scheme it must be
/// sent with, and for a DPoP-bound token a proof for this one request.
pub async fn orders_with_own_client<R: Runtime>(
    app: &AppHandle<R>,
    api: &str,
) -> Result<String, String> {
    let gatehouse = app.gatehouse();
    let url = format!("{api}/orders");
    let token = gatehouse
        .access_token_for(api)
        .await
        .map_err(|e| e.to_string())?;
    let mut request = reqwest::Client::new()
        .get(&url)
        .header("Authorization", token.authorization().secret());
    if let Some(proof) = gatehouse
        .dpop_proof("GET", &url, &token)
        .await
        .map_err(|e| e.to_string())?
    {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    response.text().await.map_err(|e| e.to_string())
}

#[tauri::command]
async fn my_orders(app: AppHandle) -> Result<String, String> {
    orders(&app, "https://orders.example.com/v1").await
}
