-- A real editor as the client of `prr lsp`: Neovim (0.7 API: vim.lsp.start_client,
-- buf_attach_client, vim.wait polling vim.diagnostic.get). It opens a failing manifest,
-- waits for the diagnostics, checks them against `prr check --format json`, hovers on a
-- finding, applies the "did you mean" code action and waits for the file to be judged again.
-- Run by .ci/lsp.sh: nvim --headless --clean -u NONE -c "luafile .ci/nvim-lsp.lua"
local prr = assert(os.getenv("PRR_BIN"), "PRR_BIN")
local root = assert(os.getenv("PRR_ROOT"), "PRR_ROOT")
local manifest = assert(os.getenv("PRR_MANIFEST"), "PRR_MANIFEST")
local expected_report = assert(os.getenv("PRR_REPORT"), "PRR_REPORT")
local as_of = assert(os.getenv("PRR_AS_OF"), "PRR_AS_OF")

local function finish(code, message)
  io.stdout:write("nvim-lsp: " .. message .. "\n")
  io.stdout:flush()
  vim.cmd((code == 0) and "qall!" or "cquit! " .. code)
end

local function lsp_code(d)
  if d.code ~= nil then return d.code end
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.code
end

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(root .. "/" .. manifest))
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "prr",
    cmd = { prr, "lsp" },
    root_dir = root,
    init_options = { asOf = as_of },
    workspace_folders = { { uri = vim.uri_from_fname(root), name = "work" } },
  })
  if not client_id then return finish(1, "the server did not start") end
  vim.lsp.buf_attach_client(bufnr, client_id)

  if not vim.wait(30000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50) then
    return finish(1, "no diagnostics within 30 s")
  end

  -- The diagnostics are `prr check`'s findings, rule for rule and line for line.
  local report = vim.fn.json_decode(table.concat(vim.fn.readfile(expected_report), "\n"))
  local want, got = {}, {}
  for _, r in ipairs(report.results) do
    if r.status == "fail" and r.location ~= vim.NIL and r.location.path == manifest then
      table.insert(want, r.rule .. ":" .. r.location.line)
    end
  end
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(got, tostring(lsp_code(d)) .. ":" .. (d.lnum + 1))
  end
  table.sort(want)
  table.sort(got)
  if table.concat(want, " ") ~= table.concat(got, " ") then
    return finish(1, "diagnostics differ from prr check:\n  prr check: " .. table.concat(want, " ")
      .. "\n  editor:    " .. table.concat(got, " "))
  end

  -- Hover on a finding explains its rule (`prr explain`'s text) and names the pack.
  local progressive
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if lsp_code(d) == "release.progressive" then progressive = d end
  end
  if not progressive then return finish(1, "no release.progressive diagnostic") end
  local hovers = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = progressive.lnum, character = 0 },
  }, 10000)
  local hover_text = ""
  for _, answer in pairs(hovers or {}) do
    if answer.result and answer.result.contents then hover_text = answer.result.contents.value or "" end
  end
  if not (hover_text:find("**release.progressive**", 1, true) and hover_text:find("How to fix", 1, true)
      and hover_text:find("from the pack `builtin`", 1, true)) then
    return finish(1, "the hover does not explain the rule: " .. hover_text)
  end

  -- The code action for the misspelt key, applied as the editor applies it.
  local typo
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if lsp_code(d) == "manifest.schema" then typo = d end
  end
  if not typo then return finish(1, "no manifest.schema diagnostic") end
  local client = vim.lsp.get_client_by_id(client_id)
  local range = {
    start = { line = typo.lnum, character = typo.col },
    ["end"] = { line = typo.end_lnum, character = typo.end_col },
  }
  local answers = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = range,
    context = { diagnostics = { vim.tbl_extend("force", typo.user_data.lsp, { range = range }) } },
  }, 10000)
  local chosen
  for _, answer in pairs(answers or {}) do
    for _, action in ipairs(answer.result or {}) do
      if action.title:find("Replace `runbok` with `runbook`", 1, true) then chosen = action end
    end
  end
  if not chosen then return finish(1, "no \"did you mean\" code action offered: " .. vim.inspect(answers)) end
  vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding or "utf-16")

  local line = vim.api.nvim_buf_get_lines(bufnr, typo.lnum, typo.lnum + 1, false)[1]
  if not line:find("^runbook = ") then return finish(1, "the edit gave: " .. line) end

  -- Judged again: the unknown key and the missing runbook are gone, the rest stays.
  local function fixed()
    local left = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do left[lsp_code(d)] = true end
    return not left["manifest.schema"] and not left["docs.runbook"] and left["release.progressive"]
  end
  if not vim.wait(30000, fixed, 50) then
    return finish(1, "the diagnostics did not follow the edit")
  end
  finish(0, string.format("ok: %d diagnostics equal prr check's; hover explains the rule; the code action fixed `%s`; %d left",
    #want, line, #vim.diagnostic.get(bufnr)))
end

local ok, err = pcall(main)
if not ok then finish(1, "error: " .. tostring(err)) end
