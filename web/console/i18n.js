// Every string of the staff console, in Vietnamese (the default) and English, and the helpers that
// put them on the page. Elements carry their string key in data-i18n (text) or data-i18n-attrs
// (attributes), so switching the language re-translates the page in place without losing what a
// person has typed.

export const LANGS = ['vi', 'en'];
const STORAGE_KEY = 'baove.console.lang';
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

export const STRINGS = {
  vi: {
    app_title: 'Bảng điều khiển nhân viên Baove',
    brand_sub: 'Bảng điều khiển nhân viên',
    skip_link: 'Chuyển đến nội dung chính',
    switch_language: 'English',
    nav_label: 'Các mục quản trị',
    signed_in_as: 'Đang đăng nhập: {name}',
    logout: 'Đăng xuất',
    loading: 'Đang tải…',
    footer: 'Tổng đài quốc gia bảo vệ trẻ em 111. Mọi thao tác đều được ghi nhật ký kiểm toán.',
    required_hint: 'Các trường có dấu * là bắt buộc.',
    cancel: 'Hủy',
    confirm: 'Xác nhận',
    close: 'Đóng',
    copy: 'Sao chép',
    copied: 'Đã sao chép vào bộ nhớ tạm.',
    copy_failed: 'Không sao chép được. Hãy chọn và sao chép văn bản bằng tay.',
    shown_once: 'Chỉ hiển thị một lần. Hãy lưu lại ngay, sau khi đóng sẽ không xem lại được.',
    none: '(không có)',

    // login
    login_title: 'Đăng nhập',
    login_intro: 'Dành cho nhân viên được cấp tài khoản.',
    username: 'Tên đăng nhập',
    password: 'Mật khẩu',
    totp_code: 'Mã xác thực 6 chữ số',
    totp_code_hint:
      'Lấy từ ứng dụng xác thực trên điện thoại. Để trống nếu bạn đăng nhập lần đầu và chưa thiết lập xác thực hai bước.',
    login_submit: 'Đăng nhập',
    logged_out: 'Bạn đã đăng xuất.',
    session_ended: 'Phiên làm việc đã kết thúc. Hãy đăng nhập lại.',
    password_changed_login_again: 'Đã đổi mật khẩu. Hãy đăng nhập lại bằng mật khẩu mới.',

    // first login: password
    change_password_title: 'Đổi mật khẩu',
    change_password_intro: 'Bạn đang dùng mật khẩu dùng một lần. Hãy đặt mật khẩu riêng trước khi tiếp tục.',
    current_password: 'Mật khẩu hiện tại (mật khẩu dùng một lần)',
    new_password: 'Mật khẩu mới',
    new_password_hint: 'Ít nhất 12 ký tự. Nên dùng một cụm từ dài, dễ nhớ với bạn.',
    confirm_password: 'Nhập lại mật khẩu mới',
    change_password_submit: 'Đổi mật khẩu',
    password_changed: 'Đã đổi mật khẩu.',
    err_password_short: 'Mật khẩu mới cần ít nhất 12 ký tự.',
    err_password_mismatch: 'Hai lần nhập mật khẩu mới không giống nhau.',

    // first login: TOTP
    totp_title: 'Thiết lập xác thực hai bước',
    totp_intro: 'Mọi tài khoản nhân viên đều phải có xác thực hai bước.',
    totp_step1: 'Cài một ứng dụng xác thực (TOTP) trên điện thoại.',
    totp_step2: 'Quét mã QR dưới đây bằng ứng dụng, hoặc nhập khóa bí mật bằng tay.',
    totp_step3: 'Nhập mã 6 chữ số mà ứng dụng hiển thị để xác nhận.',
    totp_qr_alt: 'Mã QR để thêm tài khoản Baove vào ứng dụng xác thực',
    totp_secret: 'Khóa bí mật (nhập bằng tay)',
    totp_confirm_submit: 'Xác nhận',
    totp_enrolled: 'Đã bật xác thực hai bước.',
    totp_loading: 'Đang tạo khóa bí mật…',

    // sections
    section_users: 'Người dùng',
    section_units: 'Đơn vị',
    section_keys: 'Khóa API',
    section_audit: 'Nhật ký kiểm toán',
    no_sections: 'Tài khoản của bạn không có vai trò nào dùng được bảng điều khiển này.',

    // users
    users_title: 'Người dùng',
    users_caption: 'Danh sách người dùng',
    users_empty: 'Chưa có người dùng nào.',
    col_username: 'Tên đăng nhập',
    col_unit: 'Đơn vị',
    col_roles: 'Vai trò',
    col_status: 'Trạng thái',
    col_totp: 'Xác thực hai bước',
    col_actions: 'Thao tác',
    status_active: 'Đang hoạt động',
    status_disabled: 'Đã vô hiệu hóa',
    status_must_change: 'chờ đổi mật khẩu',
    totp_on: 'Đã thiết lập',
    totp_off: 'Chưa thiết lập',
    manage: 'Quản lý',
    manage_user_label: 'Quản lý người dùng {name}',
    create_user_title: 'Tạo người dùng',
    user_unit: 'Đơn vị',
    username_hint: '3 đến 64 ký tự: chữ thường không dấu, số, dấu chấm, gạch dưới, gạch ngang.',
    grants_legend: 'Vai trò và phạm vi',
    grants_hint: 'Chọn các vai trò của người dùng, mỗi vai trò với một phạm vi.',
    scope_for: 'Phạm vi cho vai trò {role}',
    create_user_submit: 'Tạo người dùng',
    user_created: 'Đã tạo người dùng {name}.',
    otp_title: 'Mật khẩu dùng một lần của {name}',
    otp_note: 'Người dùng phải đổi mật khẩu này ngay khi đăng nhập, và thiết lập xác thực hai bước nếu chưa có.',
    user_detail_title: 'Người dùng: {name}',
    user_id: 'Mã người dùng',
    user_grants_title: 'Vai trò được cấp',
    user_no_grants: 'Chưa có vai trò nào.',
    revoke_grant: 'Thu hồi',
    revoke_grant_label: 'Thu hồi vai trò {role}, phạm vi {scope}',
    add_grant_title: 'Cấp thêm vai trò',
    role: 'Vai trò',
    scope: 'Phạm vi',
    add_grant_submit: 'Cấp vai trò',
    grant_added: 'Đã cấp vai trò {role} ({scope}).',
    grant_revoked: 'Đã thu hồi vai trò {role} ({scope}).',
    account_actions: 'Thao tác với tài khoản',
    disable_user: 'Vô hiệu hóa',
    enable_user: 'Kích hoạt lại',
    reset_password: 'Đặt lại mật khẩu',
    reset_totp: 'Đặt lại xác thực hai bước',
    confirm_disable: 'Vô hiệu hóa tài khoản {name}? Mọi phiên làm việc của tài khoản sẽ kết thúc ngay.',
    confirm_enable: 'Kích hoạt lại tài khoản {name}?',
    confirm_reset_password:
      'Đặt lại mật khẩu của {name}? Mật khẩu cũ hết hiệu lực và các phiên làm việc kết thúc ngay.',
    confirm_reset_totp: 'Đặt lại xác thực hai bước của {name}? Người dùng sẽ phải thiết lập lại khi đăng nhập.',
    confirm_revoke_grant: 'Thu hồi vai trò {role} ({scope}) của {name}?',
    user_disabled: 'Đã vô hiệu hóa {name}.',
    user_enabled: 'Đã kích hoạt lại {name}.',
    password_reset: 'Đã đặt lại mật khẩu của {name}.',
    totp_reset: 'Đã đặt lại xác thực hai bước của {name}.',

    // units
    units_title: 'Đơn vị',
    units_tree_title: 'Cây đơn vị',
    units_empty: 'Chưa có đơn vị nào.',
    create_unit_title: 'Tạo đơn vị',
    unit_name: 'Tên đơn vị',
    unit_kind: 'Loại đơn vị',
    unit_parent: 'Đơn vị cấp trên',
    unit_no_parent: '(không có — đơn vị gốc)',
    create_unit_submit: 'Tạo đơn vị',
    unit_created: 'Đã tạo đơn vị {name}.',
    unit_id_label: 'mã {id}',

    // keys
    keys_title: 'Khóa API',
    keys_intro: 'Khóa API dành cho máy khách (nền tảng, nhà cung cấp dịch vụ Internet).',
    keys_caption: 'Danh sách khóa API',
    keys_empty: 'Chưa có khóa API nào.',
    col_key_name: 'Tên',
    col_scopes: 'Quyền',
    col_rate: 'Giới hạn mỗi phút',
    key_active: 'Đang dùng',
    key_revoked: 'Đã thu hồi',
    revoke_key: 'Thu hồi',
    revoke_key_label: 'Thu hồi khóa {name}',
    confirm_revoke_key: 'Thu hồi khóa {name}? Máy khách dùng khóa này sẽ bị từ chối ngay.',
    key_revoked_msg: 'Đã thu hồi khóa {name}.',
    create_key_title: 'Tạo khóa API',
    key_name: 'Tên khóa',
    key_unit: 'Đơn vị sở hữu',
    key_scopes: 'Quyền',
    key_scopes_hint: 'Cách nhau bằng dấu cách hoặc dấu phẩy, dạng tên:read hoặc tên:write, ví dụ: match:read takedown:write',
    key_rate: 'Số yêu cầu tối đa mỗi phút',
    create_key_submit: 'Tạo khóa',
    key_created: 'Đã tạo khóa {name}.',
    key_secret_title: 'Khóa bí mật của {name}',
    key_secret_note: 'Máy khách gửi khóa này trong tiêu đề HTTP: Authorization: Bearer <khóa>.',

    // audit
    audit_title: 'Nhật ký kiểm toán',
    audit_intro: 'Ai đã truy cập hồ sơ nào, từ đâu, khi nào. Thời gian hiển thị theo giờ Việt Nam (UTC+7).',
    audit_filters: 'Bộ lọc',
    f_object_type: 'Loại đối tượng',
    f_object_id: 'Mã đối tượng',
    f_actor: 'Người thực hiện (mã người dùng hoặc mã khóa)',
    f_unit: 'Đơn vị',
    f_address: 'Địa chỉ mạng',
    f_action: 'Hành động',
    f_outcome: 'Kết quả',
    f_since: 'Từ thời điểm (giờ Việt Nam)',
    f_until: 'Đến trước thời điểm (giờ Việt Nam)',
    any: 'Tất cả',
    audit_search: 'Tìm',
    audit_clear: 'Xóa bộ lọc',
    audit_caption: 'Sự kiện kiểm toán, mới nhất trước, giờ Việt Nam',
    audit_empty: 'Không có sự kiện nào khớp bộ lọc.',
    col_time: 'Thời gian',
    col_actor: 'Người thực hiện',
    col_action: 'Hành động',
    col_object: 'Đối tượng',
    col_outcome: 'Kết quả',
    col_address: 'Địa chỉ',
    col_reason: 'Lý do',
    col_seq: 'Số thứ tự',
    audit_fields_col: 'Chi tiết',
    audit_page: 'Trang {n}',
    audit_first: 'Trang đầu',
    audit_prev: 'Trang trước',
    audit_next: 'Trang sau',
    audit_count: 'Hiển thị {n} sự kiện.',
    audit_rows: '{n} dòng',

    // errors
    err_login_failed:
      'Đăng nhập không thành công. Tên đăng nhập, mật khẩu hoặc mã xác thực không đúng, hoặc tài khoản không dùng được.',
    err_bad_request: 'Yêu cầu không hợp lệ.',
    err_validation_failed: 'Một số trường chưa hợp lệ. Hãy kiểm tra và sửa.',
    err_unauthenticated: 'Bạn cần đăng nhập.',
    err_forbidden: 'Bạn không có quyền thực hiện thao tác này.',
    err_not_found: 'Không tìm thấy đối tượng.',
    err_method_not_allowed: 'Thao tác không được hỗ trợ.',
    err_conflict: 'Xung đột: đối tượng đã tồn tại hoặc đã thay đổi.',
    err_payload_too_large: 'Dữ liệu gửi lên quá lớn.',
    err_unsupported_media_type: 'Định dạng dữ liệu không được hỗ trợ.',
    err_too_many_requests: 'Quá nhiều lần thử. Hãy đợi một lúc rồi thử lại.',
    err_request_timeout: 'Yêu cầu quá thời gian chờ.',
    err_header_too_large: 'Tiêu đề yêu cầu quá lớn.',
    err_unavailable: 'Máy chủ tạm thời không sẵn sàng. Hãy thử lại sau.',
    err_internal: 'Lỗi máy chủ. Hãy thử lại hoặc báo cho quản trị viên.',
    err_network: 'Không kết nối được tới máy chủ.',
    err_unknown: 'Đã xảy ra lỗi (mã {status}).',
    err_fields: 'Trường cần sửa: {fields}.',
    err_server_said: 'Máy chủ báo: {message}',
    err_field_invalid: 'Giá trị không hợp lệ.',
    err_required: 'Trường này là bắt buộc.',
    err_code_format: 'Mã gồm đúng 6 chữ số.',

    // roles
    role_counsellor: 'Tư vấn viên',
    role_case_worker: 'Cán bộ quản lý trường hợp',
    role_supervisor: 'Giám sát viên',
    role_analyst: 'Chuyên viên phân tích',
    role_network_partner: 'Đối tác mạng lưới',
    role_statistician: 'Cán bộ thống kê',
    role_security_officer: 'Cán bộ bảo mật',
    role_administrator: 'Quản trị viên',
    // scopes
    scope_own: 'Của bản thân',
    scope_unit: 'Đơn vị',
    scope_unit_and_below: 'Đơn vị và cấp dưới',
    scope_all: 'Toàn bộ',
    // unit kinds
    kind_national_department: 'Cơ quan cấp quốc gia',
    kind_hotline: 'Tổng đài',
    kind_provincial_department: 'Sở cấp tỉnh',
    kind_district_department: 'Phòng cấp huyện',
    kind_police_cyber_unit: 'Đơn vị cảnh sát mạng',
    kind_infosec_authority: 'Cơ quan an toàn thông tin',
    kind_ngo: 'Tổ chức phi chính phủ',
    kind_platform: 'Nền tảng trực tuyến',
    kind_isp: 'Nhà cung cấp dịch vụ Internet',
    // audit actions
    action_read: 'Xem',
    action_search: 'Tìm kiếm',
    action_export: 'Xuất dữ liệu',
    action_create: 'Tạo',
    action_update: 'Cập nhật',
    action_delete: 'Xóa',
    action_login: 'Đăng nhập',
    action_logout: 'Đăng xuất',
    action_download: 'Tải xuống',
    action_share: 'Chia sẻ',
    action_approve: 'Phê duyệt',
    // outcomes
    outcome_allowed: 'Cho phép',
    outcome_denied: 'Từ chối',
    outcome_error: 'Lỗi',
    // object types
    otype_user: 'Người dùng',
    otype_unit: 'Đơn vị',
    otype_api_key: 'Khóa API',
    otype_session: 'Phiên làm việc',
    otype_audit_event: 'Sự kiện kiểm toán',
    otype_report: 'Báo cáo',
    otype_contact: 'Liên hệ',
    otype_case: 'Trường hợp',
    otype_referral: 'Chuyển tuyến',
    otype_evidence: 'Chứng cứ',
    otype_bank_entry: 'Mục ngân hàng mã băm',
    otype_takedown: 'Yêu cầu gỡ bỏ',
    otype_statistics: 'Thống kê',
  },

  en: {
    app_title: 'Baove staff console',
    brand_sub: 'Staff console',
    skip_link: 'Skip to main content',
    switch_language: 'Tiếng Việt',
    nav_label: 'Administration sections',
    signed_in_as: 'Signed in as {name}',
    logout: 'Log out',
    loading: 'Loading…',
    footer: 'National child protection hotline 111. Every action is recorded in the audit log.',
    required_hint: 'Fields marked * are required.',
    cancel: 'Cancel',
    confirm: 'Confirm',
    close: 'Close',
    copy: 'Copy',
    copied: 'Copied to the clipboard.',
    copy_failed: 'Could not copy. Select the text and copy it by hand.',
    shown_once: 'Shown only once. Save it now: it cannot be seen again after you close this.',
    none: '(none)',

    login_title: 'Log in',
    login_intro: 'For staff with an account.',
    username: 'User name',
    password: 'Password',
    totp_code: '6-digit authentication code',
    totp_code_hint:
      'From the authenticator app on your phone. Leave it empty if this is your first login and two-step verification is not set up yet.',
    login_submit: 'Log in',
    logged_out: 'You have logged out.',
    session_ended: 'Your session has ended. Please log in again.',
    password_changed_login_again: 'Password changed. Please log in again with the new password.',

    change_password_title: 'Change password',
    change_password_intro: 'You are using a one-time password. Choose your own password before you continue.',
    current_password: 'Current password (the one-time password)',
    new_password: 'New password',
    new_password_hint: 'At least 12 characters. A long phrase that you remember works well.',
    confirm_password: 'New password again',
    change_password_submit: 'Change password',
    password_changed: 'Password changed.',
    err_password_short: 'The new password needs at least 12 characters.',
    err_password_mismatch: 'The two new passwords differ.',

    totp_title: 'Set up two-step verification',
    totp_intro: 'Every staff account must use two-step verification.',
    totp_step1: 'Install an authenticator (TOTP) app on your phone.',
    totp_step2: 'Scan the QR code below with the app, or type the secret key in by hand.',
    totp_step3: 'Enter the 6-digit code that the app shows, to confirm.',
    totp_qr_alt: 'QR code that adds your Baove account to an authenticator app',
    totp_secret: 'Secret key (to type in by hand)',
    totp_confirm_submit: 'Confirm',
    totp_enrolled: 'Two-step verification is on.',
    totp_loading: 'Making a secret key…',

    section_users: 'Users',
    section_units: 'Units',
    section_keys: 'API keys',
    section_audit: 'Audit log',
    no_sections: 'Your account has no role that uses this console.',

    users_title: 'Users',
    users_caption: 'Users',
    users_empty: 'No users yet.',
    col_username: 'User name',
    col_unit: 'Unit',
    col_roles: 'Roles',
    col_status: 'Status',
    col_totp: 'Two-step verification',
    col_actions: 'Actions',
    status_active: 'Active',
    status_disabled: 'Disabled',
    status_must_change: 'password change pending',
    totp_on: 'Set up',
    totp_off: 'Not set up',
    manage: 'Manage',
    manage_user_label: 'Manage user {name}',
    create_user_title: 'Create a user',
    user_unit: 'Unit',
    username_hint: '3 to 64 characters: lower-case letters, digits, dot, underscore, hyphen.',
    grants_legend: 'Roles and scopes',
    grants_hint: "Choose the user's roles, each with a scope.",
    scope_for: 'Scope for the role {role}',
    create_user_submit: 'Create user',
    user_created: 'User {name} created.',
    otp_title: 'One-time password of {name}',
    otp_note: 'The user must change this password on logging in, and set up two-step verification if not yet done.',
    user_detail_title: 'User: {name}',
    user_id: 'User id',
    user_grants_title: 'Granted roles',
    user_no_grants: 'No roles yet.',
    revoke_grant: 'Revoke',
    revoke_grant_label: 'Revoke the role {role}, scope {scope}',
    add_grant_title: 'Grant another role',
    role: 'Role',
    scope: 'Scope',
    add_grant_submit: 'Grant role',
    grant_added: 'Granted {role} ({scope}).',
    grant_revoked: 'Revoked {role} ({scope}).',
    account_actions: 'Account actions',
    disable_user: 'Disable',
    enable_user: 'Enable',
    reset_password: 'Reset password',
    reset_totp: 'Reset two-step verification',
    confirm_disable: 'Disable the account {name}? All its sessions end at once.',
    confirm_enable: 'Enable the account {name} again?',
    confirm_reset_password: 'Reset the password of {name}? The old password stops working and sessions end at once.',
    confirm_reset_totp: 'Reset two-step verification of {name}? The user sets it up again at the next login.',
    confirm_revoke_grant: 'Revoke the role {role} ({scope}) from {name}?',
    user_disabled: '{name} disabled.',
    user_enabled: '{name} enabled.',
    password_reset: 'Password of {name} reset.',
    totp_reset: 'Two-step verification of {name} reset.',

    units_title: 'Units',
    units_tree_title: 'Unit tree',
    units_empty: 'No units yet.',
    create_unit_title: 'Create a unit',
    unit_name: 'Unit name',
    unit_kind: 'Kind of unit',
    unit_parent: 'Parent unit',
    unit_no_parent: '(none — a root unit)',
    create_unit_submit: 'Create unit',
    unit_created: 'Unit {name} created.',
    unit_id_label: 'id {id}',

    keys_title: 'API keys',
    keys_intro: 'API keys are for machine clients (platforms, Internet service providers).',
    keys_caption: 'API keys',
    keys_empty: 'No API keys yet.',
    col_key_name: 'Name',
    col_scopes: 'Scopes',
    col_rate: 'Limit per minute',
    key_active: 'Active',
    key_revoked: 'Revoked',
    revoke_key: 'Revoke',
    revoke_key_label: 'Revoke the key {name}',
    confirm_revoke_key: 'Revoke the key {name}? Clients using it are refused at once.',
    key_revoked_msg: 'Key {name} revoked.',
    create_key_title: 'Create an API key',
    key_name: 'Key name',
    key_unit: 'Owning unit',
    key_scopes: 'Scopes',
    key_scopes_hint: 'Separated by spaces or commas, each name:read or name:write, for example: match:read takedown:write',
    key_rate: 'Most requests per minute',
    create_key_submit: 'Create key',
    key_created: 'Key {name} created.',
    key_secret_title: 'Secret of the key {name}',
    key_secret_note: 'The client sends it in the header: Authorization: Bearer <secret>.',

    audit_title: 'Audit log',
    audit_intro: 'Who accessed which record, from where, and when. Times are shown in Vietnam time (UTC+7).',
    audit_filters: 'Filters',
    f_object_type: 'Object type',
    f_object_id: 'Object id',
    f_actor: 'Actor (user id or key id)',
    f_unit: 'Unit',
    f_address: 'Network address',
    f_action: 'Action',
    f_outcome: 'Outcome',
    f_since: 'From (Vietnam time)',
    f_until: 'Before (Vietnam time)',
    any: 'Any',
    audit_search: 'Search',
    audit_clear: 'Clear filters',
    audit_caption: 'Audit events, newest first, Vietnam time',
    audit_empty: 'No event matches the filters.',
    col_time: 'Time',
    col_actor: 'Actor',
    col_action: 'Action',
    col_object: 'Object',
    col_outcome: 'Outcome',
    col_address: 'Address',
    col_reason: 'Reason',
    col_seq: 'Sequence number',
    audit_fields_col: 'Details',
    audit_page: 'Page {n}',
    audit_first: 'First page',
    audit_prev: 'Previous page',
    audit_next: 'Next page',
    audit_count: '{n} events shown.',
    audit_rows: '{n} rows',

    err_login_failed:
      'Login failed. The user name, password or authentication code is wrong, or the account cannot be used.',
    err_bad_request: 'The request is not valid.',
    err_validation_failed: 'Some fields are not valid. Please check and correct them.',
    err_unauthenticated: 'You need to log in.',
    err_forbidden: 'You may not do this.',
    err_not_found: 'Not found.',
    err_method_not_allowed: 'This action is not supported.',
    err_conflict: 'Conflict: it exists already or has changed.',
    err_payload_too_large: 'The data sent is too large.',
    err_unsupported_media_type: 'This data format is not supported.',
    err_too_many_requests: 'Too many attempts. Please wait a while and try again.',
    err_request_timeout: 'The request took too long.',
    err_header_too_large: 'The request headers are too large.',
    err_unavailable: 'The server is not available right now. Please try again later.',
    err_internal: 'Server error. Please try again or tell an administrator.',
    err_network: 'Could not reach the server.',
    err_unknown: 'Something went wrong (status {status}).',
    err_fields: 'Fields to correct: {fields}.',
    err_server_said: 'The server said: {message}',
    err_field_invalid: 'This value is not valid.',
    err_required: 'This field is required.',
    err_code_format: 'The code is exactly 6 digits.',

    role_counsellor: 'Counsellor',
    role_case_worker: 'Case worker',
    role_supervisor: 'Supervisor',
    role_analyst: 'Analyst',
    role_network_partner: 'Network partner',
    role_statistician: 'Statistician',
    role_security_officer: 'Security officer',
    role_administrator: 'Administrator',
    scope_own: 'Own records',
    scope_unit: 'Unit',
    scope_unit_and_below: 'Unit and below',
    scope_all: 'All',
    kind_national_department: 'National department',
    kind_hotline: 'Hotline',
    kind_provincial_department: 'Provincial department',
    kind_district_department: 'District department',
    kind_police_cyber_unit: 'Police cyber unit',
    kind_infosec_authority: 'Information-security authority',
    kind_ngo: 'NGO',
    kind_platform: 'Online platform',
    kind_isp: 'Internet service provider',
    action_read: 'Read',
    action_search: 'Search',
    action_export: 'Export',
    action_create: 'Create',
    action_update: 'Update',
    action_delete: 'Delete',
    action_login: 'Log in',
    action_logout: 'Log out',
    action_download: 'Download',
    action_share: 'Share',
    action_approve: 'Approve',
    outcome_allowed: 'Allowed',
    outcome_denied: 'Denied',
    outcome_error: 'Error',
    otype_user: 'User',
    otype_unit: 'Unit',
    otype_api_key: 'API key',
    otype_session: 'Session',
    otype_audit_event: 'Audit event',
    otype_report: 'Report',
    otype_contact: 'Contact',
    otype_case: 'Case',
    otype_referral: 'Referral',
    otype_evidence: 'Evidence',
    otype_bank_entry: 'Hash bank entry',
    otype_takedown: 'Takedown request',
    otype_statistics: 'Statistics',
  },
};

export const ROLES = [
  'counsellor',
  'case_worker',
  'supervisor',
  'analyst',
  'network_partner',
  'statistician',
  'security_officer',
  'administrator',
];
export const SCOPES = ['own', 'unit', 'unit_and_below', 'all'];
export const UNIT_KINDS = [
  'national_department',
  'hotline',
  'provincial_department',
  'district_department',
  'police_cyber_unit',
  'infosec_authority',
  'ngo',
  'platform',
  'isp',
];
export const AUDIT_ACTIONS = [
  'read',
  'search',
  'export',
  'create',
  'update',
  'delete',
  'login',
  'logout',
  'download',
  'share',
  'approve',
];
export const AUDIT_OUTCOMES = ['allowed', 'denied', 'error'];
export const OBJECT_TYPES = [
  'user',
  'unit',
  'api_key',
  'session',
  'audit_event',
  'report',
  'contact',
  'case',
  'referral',
  'evidence',
  'bank_entry',
  'takedown',
  'statistics',
];

let current = 'vi';
let pageTitleKey = '';

export function lang() {
  return current;
}

// The language kept from an earlier visit, else Vietnamese.
export function storedLang() {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(v)) return v;
  } catch {
    // storage may be unavailable (privacy settings): fall back to the default
  }
  return 'vi';
}

export function setLang(l) {
  current = LANGS.includes(l) ? l : 'vi';
  try {
    window.localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // not kept: the choice still holds for this page
  }
  document.documentElement.lang = current;
  setPageTitle(pageTitleKey);
  translate(document);
}

// The document title: "<screen> — <console name>", kept in the current language.
export function setPageTitle(key) {
  pageTitleKey = key || '';
  document.title = pageTitleKey ? `${t(pageTitleKey)} — ${t('app_title')}` : t('app_title');
}

function fill(text, args) {
  if (!args) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => {
    const v = args[name];
    if (v === undefined || v === null) return m;
    // An argument may itself name a string key: {"$t": "role_analyst"}.
    if (typeof v === 'object' && v.$t) return t(v.$t);
    return String(v);
  });
}

// The string `key` in the current language with {name} placeholders filled from args.
export function t(key, args) {
  const table = STRINGS[current];
  const text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : STRINGS.vi[key];
  return fill(text === undefined ? key : text, args);
}

// A localised name for an enumerated value (role, scope, kind, action, outcome, object type),
// or the raw value when it is one the console does not know.
export function label(prefix, value) {
  const key = `${prefix}_${value}`;
  return Object.prototype.hasOwnProperty.call(STRINGS[current], key) ? t(key) : value;
}

// Marks el's text as the string `key` (args optional) and sets it now.
export function setText(el, key, args) {
  el.dataset.i18n = key;
  if (args) el.dataset.i18nArgs = JSON.stringify(args);
  else delete el.dataset.i18nArgs;
  el.textContent = t(key, args);
  return el;
}

// Marks el's attribute `attr` as the string `key` and sets it now.
export function setAttrText(el, attr, key, args) {
  const map = el.dataset.i18nAttrs ? JSON.parse(el.dataset.i18nAttrs) : {};
  map[attr] = args ? [key, args] : [key];
  el.dataset.i18nAttrs = JSON.stringify(map);
  el.setAttribute(attr, t(key, args));
  return el;
}

// Marks el's text as an enumerated value's label.
export function setLabel(el, prefix, value) {
  el.dataset.i18nLabel = `${prefix}:${value}`;
  el.textContent = label(prefix, value);
  return el;
}

const timeFormats = {};
function timeFormat() {
  if (!timeFormats[current]) {
    timeFormats[current] = new Intl.DateTimeFormat(current === 'vi' ? 'vi-VN' : 'en-GB', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    });
  }
  return timeFormats[current];
}

// An RFC 3339 UTC time shown in Vietnam time, in the current language's format.
export function formatTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return timeFormat().format(d);
}

// Marks a <time> element to show `iso` in Vietnam time.
export function setTime(el, iso) {
  el.setAttribute('datetime', iso);
  el.dataset.i18nTime = iso;
  el.textContent = formatTime(iso);
  return el;
}

// Re-translates every marked element under root.
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined;
    el.textContent = t(el.dataset.i18n, args);
  }
  for (const el of root.querySelectorAll('[data-i18n-attrs]')) {
    const map = JSON.parse(el.dataset.i18nAttrs);
    for (const [attr, [key, args]] of Object.entries(map)) el.setAttribute(attr, t(key, args));
  }
  for (const el of root.querySelectorAll('[data-i18n-label]')) {
    const s = el.dataset.i18nLabel;
    const i = s.indexOf(':');
    el.textContent = label(s.slice(0, i), s.slice(i + 1));
  }
  for (const el of root.querySelectorAll('[data-i18n-time]')) el.textContent = formatTime(el.dataset.i18nTime);
}
