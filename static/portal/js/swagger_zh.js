/* Swagger UI in Chinese (the portal's API documentation page, templates/api/swagger_ui.html).
 *
 * Swagger UI has no translations of its own. This script, loaded after swagger-ui-bundle.js and
 * before the init script, does what the common community translation scripts do: it watches the
 * UI's DOM and rewrites its fixed English strings (text, aria-label, title, placeholder, button
 * values) from the table below. It also shows each tag under its Chinese name (the schema's
 * x-displayName, written as the tag's description) instead of its ASCII machine name. The schema
 * model section is hidden by SWAGGER_UI_SETTINGS (its component names are machine names; each
 * operation shows its bodies). Nothing is fetched from elsewhere (CSP: script-src 'self').
 */
(function () {
  "use strict";

  // Whole strings (after trimming) and their translations.
  const EXACT = {
    "Authorize": "授权",
    "Authorized": "已授权",
    "Available authorizations": "可用的认证方式",
    "Close": "关闭",
    "Logout": "退出",
    "Cancel": "取消",
    "Try it out": "试一试",
    "Execute": "执行",
    "Clear": "清除",
    "Reset": "重置",
    "Parameters": "参数",
    "No parameters": "无参数",
    "Name": "名称",
    "Description": "说明",
    "Request body": "请求体",
    "Responses": "响应",
    "Response content type": "响应内容类型",
    "Parameter content type": "参数内容类型",
    "Code": "状态码",
    "Links": "链接",
    "No links": "无链接",
    "Callbacks": "回调",
    "No callbacks": "无回调",
    "Example Value": "示例值",
    "Example value": "示例值",
    "Schema": "结构",
    "Schemas": "数据结构",
    "Media type": "媒体类型",
    "Media Type": "媒体类型",
    "Request content type": "请求内容类型",
    "Type": "类型",
    "Value": "值",
    "Field": "字段",
    "Errors": "错误",
    "Warning": "警告",
    "Overview": "概览",
    "Schemes": "协议",
    "Headers:": "响应头：",
    "Enum:": "可选值：",
    "Deprecated:": "已弃用：",
    "Examples:": "示例：",
    "Find more details": "更多说明",
    "Failed to load API definition.": "接口定义加载失败。",
    "Failed to load remote configuration.": "远程配置加载失败。",
    "Client credentials location:": "客户端凭据位置：",
    "read-only": "只读",
    "write-only": "只写",
    "username:": "用户名：",
    "password:": "密码：",
    "Controls Accept header.": "决定 Accept 请求头。",
    "Curl": "curl 命令",
    "Request URL": "请求 URL",
    "Request duration": "请求耗时",
    "Server response": "服务器响应",
    "Details": "详情",
    "Response body": "响应体",
    "Response headers": "响应头",
    "Download": "下载",
    "Servers": "服务器",
    "Server variables": "服务器变量",
    "Computed URL": "计算所得 URL",
    "Undocumented": "未记录",
    "Loading...": "加载中……",
    "loading": "加载中",
    "Failed to fetch.": "请求失败。",
    "required": "必填",
    "deprecated": "已弃用",
    "Default value": "默认值",
    "Available values": "可选值",
    "Send empty value": "发送空值",
    "Add string item": "添加一项",
    "Add item": "添加一项",
    "Edit Value": "编辑值",
    "Filter by tag": "按分组筛选",
    "Expand all": "全部展开",
    "Collapse all": "全部折叠",
    "Copy to clipboard": "复制到剪贴板",
    "Apply credentials": "应用凭据",
    "Apply given OAuth2 credentials": "应用所填的 OAuth2 凭据",
    "authorization button locked": "已授权，点击管理授权",
    "authorization button unlocked": "未授权，点击授权",
    "Copy request snippet to clipboard": "复制请求代码到剪贴板",
    "Copy code to clipboard": "复制代码到剪贴板",
    "Copy path to clipboard": "复制路径到剪贴板",
    "Copy cURL command to clipboard": "复制 curl 命令到剪贴板",
    "auth-basic-username": "用户名",
    "auth-basic-password": "密码",
    "auth-bearer-value": "令牌",
    "Username:": "用户名：",
    "Password:": "密码：",
    "Remove authorization": "取消授权",
    "Value:": "值：",
    "Name:": "名称：",
    "In:": "位置：",
    "Scopes:": "范围：",
    "Extensions": "扩展",
    "Webhooks": "Webhook",
    "Example Description": "示例说明",
    "Examples": "示例",
    "Example": "示例",
    "No API definition provided.": "未提供接口定义。",
    "Unable to render this definition": "无法显示该定义",
    "Hide": "隐藏",
    "Show": "显示",
    "Expand operation": "展开接口",
    "Collapse operation": "折叠接口",
    "Collapse all operations": "折叠全部接口",
    "Expand all operations": "展开全部接口",
    "Copy": "复制",
    "Items": "数组项",
    "string": "字符串",
    "integer": "整数",
    "number": "数值",
    "boolean": "布尔值",
    "array": "数组",
    "object": "对象",
    "null": "空值",
    "(query)": "（查询参数）",
    "(path)": "（路径参数）",
    "(header)": "（请求头）",
    "(cookie)": "（Cookie）",
    "query": "查询参数",
    "path": "路径参数",
    "header": "请求头",
    "cookie": "Cookie",
    "apiKey": "API 密钥",
    "http": "HTTP",
    "Api Key Authorization": "API 密钥认证",
    "Bearer authorization": "Bearer 认证",
    "Basic authorization": "Basic 认证",
    "Successful Response": "成功",
    "OK": "成功",
    "Created": "已创建",
    "No Content": "无内容",
  };
  // Fragments inside longer strings (aria-labels such as "get ​/api​/v1​/places​/").
  const METHODS = { get: "GET", post: "POST", put: "PUT", patch: "PATCH", delete: "DELETE", head: "HEAD", options: "OPTIONS" };
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "value"];

  function translate(text) {
    const trimmed = text.trim();
    if (!trimmed) return text;
    if (Object.prototype.hasOwnProperty.call(EXACT, trimmed)) {
      return text.replace(trimmed, EXACT[trimmed]);
    }
    // "get /api/v1/places/" in aria-labels: the method in capitals, the technical form
    const method = /^(get|post|put|patch|delete|head|options)(\s)/.exec(trimmed);
    if (method) return text.replace(method[1], METHODS[method[1]]);
    return text;
  }

  function translateTag(h3) {
    // <h3 class="opblock-tag" data-tag="enterprises"><a><span>enterprises</span></a><small>企业</small>
    const name = h3.querySelector("a span, span");
    const description = h3.querySelector("small .markdown, small");
    if (name && description && name.textContent === h3.getAttribute("data-tag")) {
      const text = description.textContent.trim();
      if (text) {
        name.textContent = text;
        description.hidden = true;
      }
    }
  }

  function translateTree(root) {
    if (root.nodeType === Node.TEXT_NODE) {
      const next = translate(root.nodeValue);
      if (next !== root.nodeValue) root.nodeValue = next;
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const elements = [root, ...root.querySelectorAll("*")];
    for (const el of elements) {
      if (el.matches("textarea, code, pre, pre *, .microlight, .microlight *, input[type=text], .parameter__name, .parameter__name *, .prop-name, .renderedMarkdown, .renderedMarkdown *, .markdown, .markdown *, .opblock-summary-path, .opblock-summary-path *, .opblock-summary-description")) {
        continue; // user data, paths, names and the schema's own (Chinese) texts stay as they are
      }
      for (const attribute of ATTRIBUTES) {
        if (attribute === "value" && !el.matches("input[type=button], input[type=submit], button")) continue;
        const value = el.getAttribute(attribute);
        if (value) {
          const next = translate(value);
          if (next !== value) el.setAttribute(attribute, next);
        }
      }
      if (el.matches("h3.opblock-tag")) translateTag(el);
      for (const child of el.childNodes) {
        if (child.nodeType === Node.TEXT_NODE) {
          const next = translate(child.nodeValue);
          if (next !== child.nodeValue) child.nodeValue = next;
        }
      }
    }
  }

  function start() {
    const root = document.getElementById("swagger-ui");
    if (!root) return;
    translateTree(root);
    new MutationObserver(function (mutations) {
      for (const mutation of mutations) {
        if (mutation.type === "characterData") {
          translateTree(mutation.target);
        } else if (mutation.type === "attributes") {
          translateTree(mutation.target);
        } else {
          mutation.addedNodes.forEach(translateTree);
        }
      }
    }).observe(root, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
