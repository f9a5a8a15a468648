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
    nav_label: 'Các mục của bảng điều khiển',
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

    // hotline sections
    section_queue: 'Hàng chờ',
    section_contact: 'Ghi nhận cuộc gọi',
    section_search: 'Tra cứu',
    section_stats: 'Thống kê',
    yes: 'Có',
    no: 'Không',
    none_recorded: '(không ghi nhận)',
    not_recorded: '(không ghi nhận)',

    // queue
    queue_title: 'Hàng chờ xử lý',
    queue_intro:
      'Báo cáo và tin nhắn đang chờ tư vấn viên, khẩn cấp nhất ở trên: trẻ đang gặp nguy hiểm, rồi tài liệu xâm hại đã biết, rồi trẻ nhỏ tuổi hơn, rồi chờ lâu hơn. Danh sách tự cập nhật mỗi 15 giây.',
    queue_caption: 'Các mục đang chờ, khẩn cấp nhất trước',
    queue_summary: 'Đang hiển thị {shown} trên {total} mục đang chờ',
    queue_summary_none: 'Không có mục nào đang chờ',
    queue_empty: 'Hàng chờ trống: không có báo cáo nào đang chờ.',
    queue_refresh: 'Cập nhật ngay',
    queue_refreshed: 'Đã cập nhật hàng chờ: {shown} trên {total} mục.',
    queue_updated: 'Cập nhật lúc {time}',
    queue_update_failed: 'Không cập nhật được lúc {time}. Sẽ thử lại sau 15 giây.',
    queue_paused_idle:
      'Đã tạm dừng tự cập nhật vì lâu không có thao tác (để phiên làm việc tự kết thúc khi bạn vắng mặt). Nhấn “Cập nhật ngay” để xem mới nhất.',
    queue_show_more: 'Xem thêm',
    queue_take: 'Nhận',
    queue_take_label: 'Nhận xử lý báo cáo {code}',
    queue_continue: 'Tiếp tục',
    queue_continue_label: 'Tiếp tục xử lý báo cáo {code}',
    queue_release: 'Trả lại',
    queue_release_label: 'Trả báo cáo {code} về hàng chờ',
    queue_released: 'Đã trả báo cáo {code} về hàng chờ.',
    queue_taken: 'Một tư vấn viên khác vừa nhận mục này. Hàng chờ đã được cập nhật.',
    queue_release_conflict: 'Mục này đang do một tư vấn viên khác xử lý.',
    col_report: 'Mã báo cáo',
    col_priority: 'Mức độ',
    col_channel: 'Kênh',
    col_category: 'Loại vấn đề',
    col_age_band: 'Độ tuổi của trẻ',
    col_waiting: 'Đã chờ',
    col_holder: 'Người xử lý',
    badge_danger: 'Nguy hiểm ngay lúc này',
    badge_known: 'Tài liệu xâm hại đã biết',
    priority_normal: 'Thông thường',
    holder_none: 'Chưa ai nhận',
    holder_me: 'Bạn',
    holder_other: 'Tư vấn viên khác',
    wait_under_min: 'dưới 1 phút',
    wait_min: '{n} phút',
    wait_hours: '{h} giờ {m} phút',
    wait_days: '{n} ngày',

    // contact form
    contact_new_title: 'Ghi nhận cuộc liên hệ',
    contact_form_label: 'Phiếu ghi nhận cuộc liên hệ',
    contact_keyboard_hint: 'Dùng được hoàn toàn bằng bàn phím: Tab để chuyển ô, Ctrl+Enter để lưu.',
    legend_call: 'Cuộc gọi',
    legend_child: 'Trẻ em',
    legend_classification: 'Phân loại và kết quả',
    legend_caller: 'Người liên hệ',
    call_started: 'Bắt đầu lúc',
    call_elapsed: 'Đã gọi:',
    duration_label: 'Thời lượng (phút:giây)',
    duration_hint: 'Tự điền theo đồng hồ cuộc gọi, có thể sửa. Nhập “12” nghĩa là 12 phút.',
    timer_stop: 'Dừng đồng hồ',
    timer_stopped: 'Đồng hồ đã dừng',
    recorded_label: 'Lập hồ sơ cho cuộc liên hệ này',
    child_gender: 'Giới tính của trẻ',
    child_province: 'Tỉnh, thành phố của trẻ',
    categories_label: 'Loại vấn đề',
    categories_hint:
      'Gõ để tìm (không cần dấu, ví dụ “xam hai”), dùng mũi tên lên/xuống rồi Enter để thêm. Có thể chọn nhiều loại.',
    categories_matches: 'Các loại vấn đề khớp',
    categories_chosen: 'Các loại đã chọn',
    categories_count: '{n} loại khớp. Dùng mũi tên để chọn, Enter để thêm.',
    categories_no_match: 'Không có loại nào khớp.',
    category_added: 'Đã thêm: {name}.',
    category_removed: 'Đã bỏ: {name}.',
    category_remove: 'Bỏ loại {name}',
    indepth_label: 'Tư vấn chuyên sâu',
    outcome_none: '(chưa có)',
    clip_notices_label: 'Số lượt thông báo kênh/clip',
    clip_notices_hint: 'Số kênh hoặc clip có nội dung liên quan mà người gọi báo trong cuộc liên hệ này.',
    notes_label: 'Ghi chú',
    notes_hint: 'Được mã hóa khi lưu. Chỉ ghi họ tên trẻ em khi thật cần thiết.',
    caller_phone_label: 'Số điện thoại người gọi',
    caller_phone_hint: 'Chỉ lưu dưới dạng mã băm để nhận ra người gọi lại; không hiển thị lại.',
    accounts_label: 'Tài khoản hoặc đường link liên quan',
    accounts_hint: 'Mỗi dòng một tài khoản hoặc đường link (của người gọi hoặc của đối tượng).',
    repeats_found: 'Người này đã liên hệ 111 trước đây: {n} lần.',
    repeats_none: 'Chưa có liên hệ nào trước đây từ số điện thoại hoặc tài khoản này.',
    repeats_caption: 'Các lần liên hệ trước đây, mới nhất trước',
    repeats_title: 'Liên hệ trước đây từ cùng số điện thoại hoặc tài khoản',
    contact_save: 'Lưu',
    contact_save_hint: 'hoặc Ctrl+Enter',
    contact_saved: 'Đã lưu cuộc liên hệ {id}.',
    contact_saved_title: 'Đã lưu cuộc liên hệ',
    contact_id: 'Mã cuộc liên hệ',
    contact_open: 'Xem chi tiết',
    next_in_queue: 'Nhận mục tiếp theo trong hàng chờ',
    contact_new_another: 'Ghi nhận cuộc liên hệ mới',
    err_duration_format: 'Nhập thời lượng dạng phút:giây (ví dụ 12:30) hoặc số phút.',
    err_clip_notices: 'Nhập một số nguyên không âm.',
    err_indepth_flag: 'Kết quả “Tư vấn chuyên sâu” cần đánh dấu ô Tư vấn chuyên sâu.',
    err_phone_invalid: 'Số điện thoại không hợp lệ.',
    err_account_invalid: 'Tài khoản hoặc đường link không hợp lệ.',
    report_context_title: 'Báo cáo {code}',
    report_code: 'Mã báo cáo',
    col_received: 'Nhận lúc',
    report_category: 'Loại vấn đề (người báo cáo chọn)',
    report_links: 'Đường link',
    report_accounts: 'Tài khoản',
    report_evidence: 'Số tệp đính kèm',
    report_description: 'Người báo cáo kể lại',
    report_not_found: 'Không tìm thấy báo cáo này, hoặc bạn không có quyền xem.',

    // contact detail
    contact_detail_title: 'Cuộc liên hệ',
    contact_facts: 'Thông tin cuộc liên hệ',
    col_contact_start: 'Thời điểm',
    col_duration: 'Thời lượng',
    col_categories: 'Loại vấn đề',
    col_indepth: 'Chuyên sâu',
    linked_reports: 'Báo cáo liên kết',
    caller_phone_kept: 'Có lưu số điện thoại người gọi',
    contact_created: 'Ghi nhận lúc',
    contact_not_found_title: 'Không tìm thấy cuộc liên hệ',
    contact_not_found: 'Không tìm thấy cuộc liên hệ này, hoặc bạn không có quyền xem.',
    go_search: 'Đến trang tra cứu',

    // search
    search_title: 'Tra cứu',
    search_intro:
      'Tìm theo mã báo cáo (BV-XXXXX-XXXXX), số điện thoại hoặc tài khoản, đường link. Kết quả phải khớp chính xác.',
    search_label: 'Mã báo cáo, số điện thoại hoặc tài khoản',
    search_hint: 'Số điện thoại viết theo cách nào cũng được (0912 345 678, +84 912 345 678).',
    search_kind: 'Tìm theo',
    search_kind_auto: 'Tự nhận biết',
    search_kind_receipt: 'Mã báo cáo',
    search_kind_phone: 'Số điện thoại',
    search_kind_account: 'Tài khoản hoặc đường link',
    search_will_use: 'Sẽ tìm theo: {kind}',
    search_submit: 'Tìm',
    search_found: 'Tìm theo {kind}: {contacts} cuộc liên hệ, {reports} báo cáo.',
    search_contacts_caption: 'Các cuộc liên hệ tìm thấy, mới nhất trước',
    search_reports_caption: 'Các báo cáo tìm thấy',
    col_state: 'Tình trạng',
    report_state_received: 'Đã nhận',
    report_state_in_review: 'Đang xem xét',
    report_state_action_taken: 'Đã xử lý',
    report_state_closed: 'Đã đóng',
    report_record_contact: 'Ghi nhận liên hệ',
    report_record_contact_label: 'Ghi nhận liên hệ cho báo cáo {code}',

    // statistics
    stats_title: 'Thống kê Tổng đài 111',
    stats_intro:
      'Bảng số liệu báo cáo Bộ theo mẫu, tính từ các cuộc liên hệ đã ghi nhận, kèm biểu đồ. Năm tính theo giờ Việt Nam.',
    stats_period: 'Khoảng thời gian',
    stats_period_kind: 'Chọn theo',
    stats_by_year: 'Theo năm',
    stats_by_dates: 'Theo khoảng ngày',
    stats_year: 'Năm',
    stats_from: 'Từ ngày',
    stats_to: 'Đến hết ngày',
    stats_to_hint: 'Tính cả ngày này.',
    stats_show: 'Xem thống kê',
    stats_showing: 'Đang hiển thị:',
    stats_caption_year: 'năm {year}',
    stats_caption_range: 'từ {from} đến hết {to}',
    stats_table_caption: 'Số liệu Tổng đài 111',
    stats_col_row: 'Chỉ tiêu',
    stats_col_count: 'Số lượng',
    stats_of_which: 'trong đó:',
    stats_not_additive: '(không cộng vào tổng)',
    err_date: 'Nhập một ngày.',
    err_date_order: 'Ngày kết thúc không được trước ngày bắt đầu.',
    charts_title: 'Biểu đồ',
    chart_trend_title: 'Số cuộc liên hệ theo loại vấn đề, {by}',
    chart_by_year: 'theo năm',
    chart_by_month: 'theo tháng',
    chart_channels_title: 'Số cuộc liên hệ theo kênh',
    chart_provinces_title: 'Số cuộc liên hệ có hồ sơ theo tỉnh, thành phố của trẻ',
    chart_ages_title: 'Số cuộc liên hệ có hồ sơ theo độ tuổi của trẻ',
    chart_axis_contacts: 'Số cuộc liên hệ',
    chart_axis_year: 'Năm',
    chart_axis_month: 'Tháng',
    chart_bar_desc: 'Biểu đồ cột ngang. Số liệu đầy đủ có trong bảng đi kèm.',
    chart_line_desc: 'Biểu đồ đường, mỗi đường là một loại vấn đề. Số liệu đầy đủ có trong bảng đi kèm.',
    chart_no_data: 'Không có số liệu trong khoảng thời gian này.',
    export_title: 'Xuất số liệu',
    export_period: 'Khoảng thời gian:',
    export_public: 'Để công bố (ẩn các số nhỏ)',
    export_public_hint:
      'Các số từ 1 đến 4 được thay bằng “<5”, và thêm ô được ẩn khi cần để không suy ngược ra được. Chỉ bỏ chọn khi dùng nội bộ.',
    export_csv: 'Tải CSV',
    export_xlsx: 'Tải XLSX (Excel)',
    export_done: 'Đã tải tệp {file}.',
  },

  en: {
    app_title: 'Baove staff console',
    brand_sub: 'Staff console',
    skip_link: 'Skip to main content',
    switch_language: 'Tiếng Việt',
    nav_label: 'Console sections',
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

    // hotline sections
    section_queue: 'Queue',
    section_contact: 'Record a call',
    section_search: 'Search',
    section_stats: 'Statistics',
    yes: 'Yes',
    no: 'No',
    none_recorded: '(not recorded)',
    not_recorded: '(not recorded)',

    // queue
    queue_title: 'Waiting queue',
    queue_intro:
      'Reports and messages waiting for a counsellor, most urgent first: a child in danger now, then known abuse material, then younger children, then the longest waiting. The list updates itself every 15 seconds.',
    queue_caption: 'Items waiting, most urgent first',
    queue_summary: '{shown} of {total} waiting items shown',
    queue_summary_none: 'Nothing is waiting',
    queue_empty: 'The queue is empty: no report is waiting.',
    queue_refresh: 'Refresh now',
    queue_refreshed: 'Queue refreshed: {shown} of {total} items.',
    queue_updated: 'Updated at {time}',
    queue_update_failed: 'Could not update at {time}. Trying again in 15 seconds.',
    queue_paused_idle:
      'Automatic updates are paused after a long time without activity (so that the session can end while you are away). Press "Refresh now" for the latest.',
    queue_show_more: 'Show more',
    queue_take: 'Take',
    queue_take_label: 'Take report {code}',
    queue_continue: 'Continue',
    queue_continue_label: 'Continue with report {code}',
    queue_release: 'Release',
    queue_release_label: 'Put report {code} back in the queue',
    queue_released: 'Report {code} is back in the queue.',
    queue_taken: 'Another counsellor has just taken this item. The queue has been refreshed.',
    queue_release_conflict: 'Another counsellor is handling this item.',
    col_report: 'Report',
    col_priority: 'Urgency',
    col_channel: 'Channel',
    col_category: 'Category',
    col_age_band: "Child's age",
    col_waiting: 'Waiting',
    col_holder: 'Handled by',
    badge_danger: 'In danger now',
    badge_known: 'Known abuse material',
    priority_normal: 'Normal',
    holder_none: 'Nobody yet',
    holder_me: 'You',
    holder_other: 'Another counsellor',
    wait_under_min: 'under 1 min',
    wait_min: '{n} min',
    wait_hours: '{h} h {m} min',
    wait_days: '{n} days',

    // contact form
    contact_new_title: 'Record a contact',
    contact_form_label: 'Contact record',
    contact_keyboard_hint: 'Fully usable from the keyboard: Tab moves between fields, Ctrl+Enter saves.',
    legend_call: 'The call',
    legend_child: 'The child',
    legend_classification: 'Classification and outcome',
    legend_caller: 'The caller',
    call_started: 'Started at',
    call_elapsed: 'On the call for',
    duration_label: 'Duration (minutes:seconds)',
    duration_hint: 'Filled from the call timer; you can change it. "12" means 12 minutes.',
    timer_stop: 'Stop the timer',
    timer_stopped: 'Timer stopped',
    recorded_label: 'Open a contact file for this contact',
    child_gender: "Child's gender",
    child_province: "Child's province or city",
    categories_label: 'Categories',
    categories_hint:
      'Type to search (diacritics optional, e.g. "xam hai"), then the up/down arrows and Enter to add. Several may be chosen.',
    categories_matches: 'Matching categories',
    categories_chosen: 'Chosen categories',
    categories_count: '{n} matching. Use the arrows to choose and Enter to add.',
    categories_no_match: 'No category matches.',
    category_added: 'Added: {name}.',
    category_removed: 'Removed: {name}.',
    category_remove: 'Remove category {name}',
    indepth_label: 'In-depth counselling',
    outcome_none: '(none yet)',
    clip_notices_label: 'Channel or clip notices',
    clip_notices_hint: 'How many channels or clips with related content the caller told us about in this contact.',
    notes_label: 'Notes',
    notes_hint: "Encrypted when saved. Write a child's name only when it is really needed.",
    caller_phone_label: "Caller's phone number",
    caller_phone_hint: 'Kept only as a keyed hash, to recognise a caller who calls again; never shown again.',
    accounts_label: 'Accounts or links involved',
    accounts_hint: "One account or link per line (the caller's or the offender's).",
    repeats_found: 'This caller has contacted 111 before: {n} contacts.',
    repeats_none: 'No earlier contact from this phone number or these accounts.',
    repeats_caption: 'Earlier contacts, newest first',
    repeats_title: 'Earlier contacts from the same phone number or accounts',
    contact_save: 'Save',
    contact_save_hint: 'or Ctrl+Enter',
    contact_saved: 'Contact {id} saved.',
    contact_saved_title: 'Contact saved',
    contact_id: 'Contact id',
    contact_open: 'Open it',
    next_in_queue: 'Take the next in the queue',
    contact_new_another: 'Record a new contact',
    err_duration_format: 'Enter the duration as minutes:seconds (e.g. 12:30) or a number of minutes.',
    err_clip_notices: 'Enter a whole number, 0 or more.',
    err_indepth_flag: 'The outcome "In-depth counselling" needs the In-depth counselling box ticked.',
    err_phone_invalid: 'This phone number is not valid.',
    err_account_invalid: 'This account or link is not valid.',
    report_context_title: 'Report {code}',
    report_code: 'Report code',
    col_received: 'Received',
    report_category: 'Category (as the reporter chose)',
    report_links: 'Links',
    report_accounts: 'Accounts',
    report_evidence: 'Attached files',
    report_description: 'In the reporter’s words',
    report_not_found: 'This report was not found, or it is not yours to see.',

    // contact detail
    contact_detail_title: 'Contact',
    contact_facts: 'About this contact',
    col_contact_start: 'When',
    col_duration: 'Duration',
    col_categories: 'Categories',
    col_indepth: 'In-depth',
    linked_reports: 'Linked reports',
    caller_phone_kept: "Caller's phone number kept",
    contact_created: 'Recorded at',
    contact_not_found_title: 'Contact not found',
    contact_not_found: 'This contact was not found, or it is not yours to see.',
    go_search: 'Go to search',

    // search
    search_title: 'Search',
    search_intro: 'Search by report code (BV-XXXXX-XXXXX), phone number, or account or link. Only exact matches are found.',
    search_label: 'Report code, phone number or account',
    search_hint: 'Phone numbers may be written any usual way (0912 345 678, +84 912 345 678).',
    search_kind: 'Search by',
    search_kind_auto: 'Recognise automatically',
    search_kind_receipt: 'Report code',
    search_kind_phone: 'Phone number',
    search_kind_account: 'Account or link',
    search_will_use: 'Will search by: {kind}',
    search_submit: 'Search',
    search_found: 'By {kind}: {contacts} contacts, {reports} reports.',
    search_contacts_caption: 'Contacts found, newest first',
    search_reports_caption: 'Reports found',
    col_state: 'State',
    report_state_received: 'Received',
    report_state_in_review: 'In review',
    report_state_action_taken: 'Action taken',
    report_state_closed: 'Closed',
    report_record_contact: 'Record a contact',
    report_record_contact_label: 'Record a contact for report {code}',

    // statistics
    stats_title: 'Hotline 111 statistics',
    stats_intro:
      "The ministry's table, counted from the recorded contacts, with charts. Years are calendar years in Viet Nam time.",
    stats_period: 'Period',
    stats_period_kind: 'Choose by',
    stats_by_year: 'A year',
    stats_by_dates: 'Dates of my choice',
    stats_year: 'Year',
    stats_from: 'From',
    stats_to: 'To (inclusive)',
    stats_to_hint: 'This day is included.',
    stats_show: 'Show statistics',
    stats_showing: 'Showing:',
    stats_caption_year: 'the year {year}',
    stats_caption_range: '{from} to {to} inclusive',
    stats_table_caption: 'Hotline 111 figures',
    stats_col_row: 'Indicator',
    stats_col_count: 'Count',
    stats_of_which: 'of which:',
    stats_not_additive: '(not part of the total)',
    err_date: 'Enter a date.',
    err_date_order: 'The end date cannot be before the start date.',
    charts_title: 'Charts',
    chart_trend_title: 'Contacts by category, {by}',
    chart_by_year: 'by year',
    chart_by_month: 'by month',
    chart_channels_title: 'Contacts by channel',
    chart_provinces_title: "Recorded contacts by the child's province or city",
    chart_ages_title: "Recorded contacts by the child's age",
    chart_axis_contacts: 'Contacts',
    chart_axis_year: 'Year',
    chart_axis_month: 'Month',
    chart_bar_desc: 'Horizontal bar chart. The full figures are in the table that goes with it.',
    chart_line_desc: 'Line chart, one line per category. The full figures are in the table that goes with it.',
    chart_no_data: 'No figures for this period.',
    export_title: 'Export',
    export_period: 'Period:',
    export_public: 'For publication (small counts suppressed)',
    export_public_hint:
      'Counts from 1 to 4 become "<5", and further cells are hidden where needed so that they cannot be worked out. Untick only for internal use.',
    export_csv: 'Download CSV',
    export_xlsx: 'Download XLSX (Excel)',
    export_done: 'Downloaded {file}.',
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
    // ... or a server term ({"$term": {key, label_vi, label_en}}), or a count ({"$num": 10000}).
    if (typeof v === 'object' && v.$term) return termLabel(v.$term);
    if (typeof v === 'object' && v.$num !== undefined) return formatNumber(v.$num);
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

// A term of the server's vocabulary ({key, label_vi, label_en}: taxonomy lists, table rows) in the
// current language, or its key when it carries no label.
export function termLabel(term) {
  if (!term) return '';
  const text = current === 'en' ? term.label_en : term.label_vi;
  return text || term.label_vi || term.key || '';
}

// Marks el's text as a server term, kept in the current language.
export function setTerm(el, term) {
  el.dataset.termVi = (term && (term.label_vi || term.key)) || '';
  el.dataset.termEn = (term && (term.label_en || term.label_vi || term.key)) || '';
  el.textContent = termLabel(term);
  return el;
}

const numberFormats = {};
// A count with the current language's thousands separator ("368.346" in Vietnamese, "368,346" in
// English). Whole numbers are grouped here: the first Intl.NumberFormat of a page loads the
// locale's data (tens of milliseconds on a slow machine), which the queue's first paint would wait
// for; other numbers go through Intl.
export function formatNumber(n) {
  if (Number.isSafeInteger(n)) {
    const grouped = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, current === 'vi' ? '.' : ',');
    return n < 0 ? `-${grouped}` : grouped;
  }
  if (!numberFormats[current]) numberFormats[current] = new Intl.NumberFormat(current === 'vi' ? 'vi-VN' : 'en-GB');
  return numberFormats[current].format(n);
}

// Marks el's text as a count shown in the current language's format.
export function setNumber(el, n) {
  el.dataset.i18nNum = String(n);
  el.textContent = formatNumber(n);
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
  for (const el of root.querySelectorAll('[data-term-vi]')) {
    el.textContent = current === 'en' ? el.dataset.termEn : el.dataset.termVi;
  }
  for (const el of root.querySelectorAll('[data-i18n-num]')) el.textContent = formatNumber(Number(el.dataset.i18nNum));
}
